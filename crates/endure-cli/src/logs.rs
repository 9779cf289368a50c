//! Runtime logs on standard error: `--log-format text` (the default: warnings and errors, one
//! line each) or `--log-format json` (one JSON object per line, from `info` on: every request
//! with its `request_id`, attempt and instance failures with `workflow`, `instance_id` and
//! `step`, and the Worker's `console` output with where it came from). `--log-level` moves the
//! threshold.

use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// The least severe level written: `level`, else `warn` for text and `info` for JSON.
fn threshold(format: LogFormat, level: Option<&str>) -> Result<tracing::Level, String> {
    match level {
        Some(l) => tracing::Level::from_str(l).map_err(|_| {
            format!("--log-level {l:?} is not one of error, warn, info, debug, trace")
        }),
        None => Ok(match format {
            LogFormat::Text => tracing::Level::WARN,
            LogFormat::Json => tracing::Level::INFO,
        }),
    }
}

/// Installs the process's log writer.
pub fn init(format: LogFormat, level: Option<&str>) -> Result<(), String> {
    let level = threshold(format, level)?;
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(level);
    let installed = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
    installed.map_err(|e| format!("cannot install the log writer: {e}"))?;
    #[cfg(feature = "js")]
    endure_js::set_structured_logs(format == LogFormat::Json);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds() {
        assert_eq!(threshold(LogFormat::Text, None), Ok(tracing::Level::WARN));
        assert_eq!(threshold(LogFormat::Json, None), Ok(tracing::Level::INFO));
        assert_eq!(
            threshold(LogFormat::Text, Some("debug")),
            Ok(tracing::Level::DEBUG)
        );
        assert!(threshold(LogFormat::Json, Some("loud")).is_err());
    }
}
