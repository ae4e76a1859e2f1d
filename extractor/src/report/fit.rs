//! Growth exponents: a least-squares line through (log n, log t).

/// A fitted power law `t = c · n^slope`.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct PowerFit {
    /// The exponent (the slope on log–log axes).
    pub slope: f64,
    /// `ln c`.
    pub intercept: f64,
    /// Points the fit used.
    pub points: usize,
}

/// Fit `ln y = intercept + slope · ln x` by ordinary least squares over the
/// points with positive coordinates. `None` with fewer than two distinct x.
pub fn power_law(points: &[(f64, f64)]) -> Option<PowerFit> {
    let logs: Vec<(f64, f64)> = points
        .iter()
        .filter(|(x, y)| *x > 0.0 && *y > 0.0)
        .map(|(x, y)| (x.ln(), y.ln()))
        .collect();
    let n = logs.len() as f64;
    if logs.len() < 2 {
        return None;
    }
    let mx = logs.iter().map(|p| p.0).sum::<f64>() / n;
    let my = logs.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = logs.iter().map(|p| (p.0 - mx).powi(2)).sum();
    if sxx == 0.0 {
        return None;
    }
    let sxy: f64 = logs.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let slope = sxy / sxx;
    Some(PowerFit {
        slope,
        intercept: my - slope * mx,
        points: logs.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_exponents() {
        for k in [1.0, 1.5, 2.0] {
            let pts: Vec<(f64, f64)> = [10.0, 100.0, 1000.0, 1e4]
                .iter()
                .map(|&n: &f64| (n, 3.0 * n.powf(k)))
                .collect();
            let fit = power_law(&pts).unwrap();
            assert!((fit.slope - k).abs() < 1e-9, "{k}: {fit:?}");
            assert!((fit.intercept - 3f64.ln()).abs() < 1e-9);
        }
    }

    #[test]
    fn needs_two_distinct_sizes() {
        assert!(power_law(&[(10.0, 1.0)]).is_none());
        assert!(power_law(&[(10.0, 1.0), (10.0, 2.0)]).is_none());
        assert!(power_law(&[(0.0, 1.0), (10.0, 2.0)]).is_none());
    }
}
