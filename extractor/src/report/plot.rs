//! SVG plots (plotters, SVG backend): log–log scatter and line plots, and
//! grouped bars.

use anyhow::{anyhow, Result};
use plotters::prelude::*;
use std::path::Path;

/// One named set of points.
#[derive(Clone, Debug)]
pub struct Series {
    /// Legend text.
    pub name: String,
    /// (x, y), both positive.
    pub points: Vec<(f64, f64)>,
    /// Join the points (sorted by x) with a line.
    pub line: bool,
    /// Draw hollow markers (for reference data beside ours).
    pub hollow: bool,
}

/// What to draw.
pub struct LogLogPlot<'a> {
    /// Chart title.
    pub title: &'a str,
    /// X-axis label.
    pub x_label: &'a str,
    /// Y-axis label.
    pub y_label: &'a str,
    /// The series, in legend order.
    pub series: &'a [Series],
    /// Draw the line y = x.
    pub diagonal: bool,
}

/// Colours that stay distinct for up to a dozen series.
const COLOURS: &[RGBColor] = &[
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
    RGBColor(0, 0, 0),
    RGBColor(255, 215, 0),
];

/// Write `plot` to `path` as an SVG file.
pub fn log_log(path: &Path, plot: &LogLogPlot) -> Result<()> {
    let all = || plot.series.iter().flat_map(|s| s.points.iter());
    let positive = |v: f64| v.is_finite() && v > 0.0;
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in all().filter(|(x, y)| positive(*x) && positive(*y)) {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if x0 > x1 {
        // Nothing to draw: an empty frame still opens.
        (x0, x1, y0, y1) = (1.0, 10.0, 1.0, 10.0);
    }
    if plot.diagonal {
        x0 = x0.min(y0);
        y0 = x0;
        x1 = x1.max(y1);
        y1 = x1;
    }
    // A margin of a fifth of a decade keeps markers off the frame.
    let pad = 10f64.powf(0.2);
    let (x0, x1, y0, y1) = (x0 / pad, x1 * pad, y0 / pad, y1 * pad);
    let root = SVGBackend::new(path, (900, 650)).into_drawing_area();
    let err = |e: &dyn std::fmt::Display| anyhow!("{}: {e}", path.display());
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(plot.title, ("sans-serif", 20))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale())
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .x_desc(plot.x_label)
        .y_desc(plot.y_label)
        .x_label_formatter(&|v| short_number(*v))
        .y_label_formatter(&|v| short_number(*v))
        .draw()
        .map_err(|e| err(&e))?;
    if plot.diagonal {
        chart
            .draw_series(LineSeries::new(
                [(x0, x0), (x1, x1)],
                ShapeStyle::from(&BLACK.mix(0.4)).stroke_width(1),
            ))
            .map_err(|e| err(&e))?
            .label("y = x")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], BLACK.mix(0.4)));
    }
    for (i, s) in plot.series.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let mut pts: Vec<(f64, f64)> = s
            .points
            .iter()
            .copied()
            .filter(|(x, y)| positive(*x) && positive(*y))
            .collect();
        pts.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
        if s.line {
            chart
                .draw_series(LineSeries::new(pts.clone(), colour.stroke_width(2)))
                .map_err(|e| err(&e))?;
        }
        let style = if s.hollow {
            colour.stroke_width(1)
        } else {
            colour.mix(0.7).filled()
        };
        chart
            .draw_series(pts.iter().map(|&p| Circle::new(p, 3, style)))
            .map_err(|e| err(&e))?
            .label(s.name.clone())
            .legend(move |(x, y)| Circle::new((x + 8, y), 4, style));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .draw()
        .map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))?;
    Ok(())
}

/// One panel of grouped bars: a bar per series in each category.
pub struct BarPanel {
    /// Panel title.
    pub title: String,
    /// Y-axis label.
    pub y_label: String,
    /// Category names, left to right.
    pub categories: Vec<String>,
    /// (series name, one value per category; NaN draws no bar).
    pub series: Vec<(String, Vec<f64>)>,
}

/// Grouped bar charts, `panels` laid out in a grid of `columns`, written
/// to `path` as SVG. Bars grow from zero, so signed values (a change in
/// percent) read as gains below the axis and losses above it.
pub fn grouped_bars(path: &Path, title: &str, panels: &[BarPanel], columns: usize) -> Result<()> {
    let columns = columns.max(1);
    let rows = panels.len().div_ceil(columns).max(1);
    let (w, h) = (620 * columns as u32, 40 + 360 * rows as u32);
    let root = SVGBackend::new(path, (w, h)).into_drawing_area();
    let err = |e: &dyn std::fmt::Display| anyhow!("{}: {e}", path.display());
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let root = root
        .titled(title, ("sans-serif", 22))
        .map_err(|e| err(&e))?;
    let areas = root.split_evenly((rows, columns));
    for (panel, area) in panels.iter().zip(areas.iter()) {
        let values = || panel.series.iter().flat_map(|(_, v)| v.iter().copied());
        let (mut y0, mut y1) = (0f64, 0f64);
        for v in values().filter(|v| v.is_finite()) {
            y0 = y0.min(v);
            y1 = y1.max(v);
        }
        if y1 - y0 < 1e-9 {
            y1 = y0 + 1.0;
        }
        // Room above the highest bar for the legend, which sits top left.
        let pad = (y1 - y0) * 0.08;
        let legend = (y1 - y0) * (0.12 + 0.1 * panel.series.len() as f64);
        let (y0, y1) = (if y0 < 0.0 { y0 - pad } else { 0.0 }, y1 + legend);
        let n = panel.categories.len().max(1);
        let mut chart = ChartBuilder::on(area)
            .caption(&panel.title, ("sans-serif", 16))
            .margin(12)
            .margin_bottom(36)
            .x_label_area_size(8)
            .y_label_area_size(60)
            .build_cartesian_2d(0f64..n as f64, y0..y1)
            .map_err(|e| err(&e))?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(WHITE)
            .x_labels(0)
            .x_label_formatter(&|_| String::new())
            .y_desc(panel.y_label.as_str())
            .y_label_formatter(&|v| trim(*v))
            .draw()
            .map_err(|e| err(&e))?;
        chart
            .draw_series(LineSeries::new(
                [(0.0, 0.0), (n as f64, 0.0)],
                BLACK.stroke_width(1),
            ))
            .map_err(|e| err(&e))?;
        let k = panel.series.len().max(1) as f64;
        let width = 0.8 / k;
        for (j, (name, vals)) in panel.series.iter().enumerate() {
            let colour = COLOURS[j % COLOURS.len()];
            let left = |i: usize| i as f64 + 0.1 + j as f64 * width;
            chart
                .draw_series(vals.iter().enumerate().filter(|(_, v)| v.is_finite()).map(
                    |(i, &v)| {
                        Rectangle::new([(left(i), 0.0), (left(i) + width, v)], colour.filled())
                    },
                ))
                .map_err(|e| err(&e))?
                .label(name.clone())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled())
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .label_font(("sans-serif", 12))
            .draw()
            .map_err(|e| err(&e))?;
        let style =
            TextStyle::from(("sans-serif", 12)).pos(plotters::style::text_anchor::Pos::new(
                plotters::style::text_anchor::HPos::Center,
                plotters::style::text_anchor::VPos::Top,
            ));
        for (i, c) in panel.categories.iter().enumerate() {
            let (px, py) = chart.backend_coord(&(i as f64 + 0.5, y0));
            root.draw(&Text::new(c.clone(), (px, py + 6), style.clone()))
                .map_err(|e| err(&e))?;
        }
    }
    root.present().map_err(|e| err(&e))?;
    Ok(())
}

/// Axis labels: `1`, `30`, `2k`, `5M`, `0.01`.
fn short_number(v: f64) -> String {
    let a = v.abs();
    if a >= 1e6 {
        format!("{}M", trim(v / 1e6))
    } else if a >= 1e3 {
        format!("{}k", trim(v / 1e3))
    } else {
        trim(v)
    }
}

fn trim(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_an_svg() {
        let dir = std::env::temp_dir().join(format!("regpress-plot-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("p.svg");
        let s = Series {
            name: "a".into(),
            points: vec![(1.0, 2.0), (10.0, 30.0), (0.0, 5.0)],
            line: true,
            hollow: false,
        };
        log_log(
            &path,
            &LogLogPlot {
                title: "t",
                x_label: "x",
                y_label: "y",
                series: &[s],
                diagonal: true,
            },
        )
        .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("<svg"), "{}", &text[..40.min(text.len())]);
        assert!(text.trim_end().ends_with("</svg>"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn writes_grouped_bars() {
        let dir = std::env::temp_dir().join(format!("regpress-bars-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("b.svg");
        let panel = BarPanel {
            title: "p".into(),
            y_label: "%".into(),
            categories: vec!["m1".into(), "all".into()],
            series: vec![
                ("a".into(), vec![-3.0, 2.0]),
                ("b".into(), vec![f64::NAN, 1.0]),
            ],
        };
        grouped_bars(&path, "t", &[panel], 2).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.trim_end().ends_with("</svg>"));
        assert!(
            text.contains("m1") && text.contains("all"),
            "category labels drawn"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn short_numbers() {
        assert_eq!(short_number(2000.0), "2k");
        assert_eq!(short_number(0.05), "0.05");
        assert_eq!(short_number(3.5e6), "3.5M");
    }
}
