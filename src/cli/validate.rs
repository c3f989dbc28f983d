use std::path::Path;

use crucible::campaign::build;
use crucible::campaign::CampaignError;

pub fn validate(config: &Path) -> i32 {
    match build::load(config) {
        Ok((comp, loaded)) => {
            let spec = &loaded.spec;
            let mut rng = crucible::rng::stream(spec.seed, "dry-run", 0);
            println!("{}: OK (campaign '{}', config hash {})", config.display(), spec.name, &loaded.hash[..12]);
            println!("space: {}", comp.space.dry_run(&mut rng));
            let props: Vec<String> = comp.properties.iter().map(|p| p.name.clone()).collect();
            println!("properties: {}", props.join(", "));
            println!(
                "objectives: {}",
                spec.objectives.iter().map(|o| format!("{} {:?}", o.property, o.goal)).collect::<Vec<_>>().join("; ")
            );
            println!("optimizer: {:?}, initial {}, batch {}", spec.optimizer.kind, comp.initial, comp.batch_size);
            println!("run directory: {}", spec.output.dir.display());
            super::OK
        }
        Err(CampaignError::Config(e)) => {
            for d in &e.diagnostics {
                eprintln!("{d}");
            }
            eprintln!("{}: {} problem(s)", config.display(), e.diagnostics.len());
            super::INVALID
        }
        Err(e) => {
            super::print_error(&e);
            super::INVALID
        }
    }
}
