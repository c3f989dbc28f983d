//! Upper confidence bound `UCB = μ + β σ` (β as given in the campaign, default 2; larger
//! explores more). `∂/∂μ = 1`, `∂/∂σ = β`.
use super::AcqValue;

/// UCB of a maximise-form prediction.
pub fn ucb(mean: f64, std: f64, beta: f64) -> AcqValue {
    AcqValue { value: mean + beta * std, d_mean: 1.0, d_std: beta }
}

#[cfg(test)]
mod tests {
    #[test]
    fn optimism_in_the_std() {
        let v = super::ucb(1.0, 0.5, 2.0);
        assert_eq!((v.value, v.d_mean, v.d_std), (2.0, 1.0, 2.0));
    }
}
