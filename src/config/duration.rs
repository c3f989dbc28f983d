//! Durations as people write them in campaign files: `30s`, `10m`, `8h`, `1h30m`, `2d`,
//! `500ms`, `1.5h`, or a bare number of seconds (`90`).
use std::time::Duration;

const UNITS: &[(&[&str], f64)] = &[
    (&["ms"], 1e-3),
    (&["s", "sec", "secs", "second", "seconds"], 1.0),
    (&["m", "min", "mins", "minute", "minutes"], 60.0),
    (&["h", "hr", "hrs", "hour", "hours"], 3600.0),
    (&["d", "day", "days"], 86400.0),
];

/// Parses a duration: one or more `<number><unit>` parts, optionally separated by spaces
/// (units `ms`; `s`/`sec`/`seconds`; `m`/`min`/`minutes`; `h`/`hr`/`hours`; `d`/`days`), or
/// a single bare number of seconds.
pub fn parse(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("empty duration".to_string());
    }
    if let Ok(secs) = t.parse::<f64>() {
        return seconds(secs, text);
    }
    let mut total = 0.0;
    let mut rest = t;
    while !rest.is_empty() {
        let num_end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let (num, after) = rest.split_at(num_end);
        let after = after.trim_start();
        let unit_end = after.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_end);
        let value: f64 = num.parse().map_err(|_| format!("'{text}' is not a duration"))?;
        let scale = UNITS
            .iter()
            .find(|(names, _)| names.contains(&unit))
            .map(|(_, s)| *s)
            .ok_or_else(|| format!("'{text}' is not a duration (unknown unit '{unit}')"))?;
        total += value * scale;
        rest = after.trim_start();
    }
    seconds(total, text)
}

fn seconds(secs: f64, text: &str) -> Result<Duration, String> {
    if (0.0..1e12).contains(&secs) {
        Ok(Duration::from_secs_f64(secs))
    } else {
        Err(format!("'{text}' is not a duration ≥ 0"))
    }
}

/// Formats a duration compactly (`1h30m`, `45s`, `0.5s`), the inverse of [`parse`] for
/// whole seconds.
pub fn format(d: Duration) -> String {
    let secs = d.as_secs();
    if d.subsec_nanos() != 0 {
        return format!("{}s", d.as_secs_f64());
    }
    let (days, h, m, s) = (secs / 86400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    let mut out = String::new();
    for (n, unit) in [(days, "d"), (h, "h"), (m, "m"), (s, "s")] {
        if n > 0 {
            out.push_str(&format!("{n}{unit}"));
        }
    }
    if out.is_empty() {
        out.push_str("0s");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_people_durations() {
        let s = |x: u64| Duration::from_secs(x);
        assert_eq!(parse("30s"), Ok(s(30)));
        assert_eq!(parse("10m"), Ok(s(600)));
        assert_eq!(parse("8h"), Ok(s(8 * 3600)));
        assert_eq!(parse("1h30m"), Ok(s(5400)));
        assert_eq!(parse("1h 30m 5s"), Ok(s(5405)));
        assert_eq!(parse("2d"), Ok(s(172_800)));
        assert_eq!(parse("90"), Ok(s(90)));
        assert_eq!(parse("1.5h"), Ok(s(5400)));
        assert_eq!(parse("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse("10min"), Ok(s(600)));
        assert!(parse("10x").unwrap_err().contains("unknown unit 'x'"));
        assert!(parse("h").is_err());
        assert!(parse("").is_err());
        assert!(parse("-5").is_err());
        assert!(parse("1h-3m").is_err());
        assert_eq!(parse("2 h 5 min"), Ok(s(7500)));
        assert_eq!(parse("8 hours"), Ok(s(8 * 3600)));
    }

    #[test]
    fn formats_round_trip() {
        for text in ["1h30m", "45s", "8h", "2d3h", "0s"] {
            assert_eq!(format(parse(text).unwrap()), text);
        }
    }
}
