//! The `migrate` example's command line, and what it shows of it.

use std::path::PathBuf;

/// How to call the example.
pub const USAGE: &str = "usage: migrate --from <database url> --to <database url> \
                         [--org <slug>]… [--from-media <dir> --to-media <dir>]";

/// What the command line asks for.
#[derive(Debug, Default, PartialEq)]
pub struct Args {
    /// The source's database URL.
    pub from: String,
    /// The target's database URL.
    pub to: String,
    /// The orgs to move (none: every org).
    pub orgs: Vec<String>,
    /// The source's and the target's upload directories, when both are given.
    pub media: Option<(PathBuf, PathBuf)>,
}

impl Args {
    /// Reads the arguments (without the program's name). Parsed by hand: five options, and
    /// a parser crate would add its build to every run of the test suite.
    ///
    /// ```
    /// use lms_examples::migrate::cli::Args;
    /// let args = ["--from", "sqlite://a.db", "--to", "sqlite://b.db", "--org", "x,y"];
    /// let args = Args::parse(args.into_iter().map(String::from)).unwrap();
    /// assert_eq!(args.orgs, ["x", "y"]);
    /// ```
    pub fn parse(mut args: impl Iterator<Item = String>) -> Result<Self, String> {
        let mut parsed = Args::default();
        let (mut from_media, mut to_media) = (None, None);
        while let Some(flag) = args.next() {
            let mut value = || args.next().ok_or(format!("{flag} needs a value\n{USAGE}"));
            match flag.as_str() {
                "--from" => parsed.from = value()?,
                "--to" => parsed.to = value()?,
                "--org" => {
                    for slug in value()?.split(',').map(str::trim) {
                        if slug.is_empty() {
                            return Err(format!("--org needs slugs, comma-separated\n{USAGE}"));
                        }
                        parsed.orgs.push(slug.into());
                    }
                }
                "--from-media" => from_media = Some(PathBuf::from(value()?)),
                "--to-media" => to_media = Some(PathBuf::from(value()?)),
                "-h" | "--help" => return Err(USAGE.into()),
                other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
            }
        }
        if parsed.from.is_empty() || parsed.to.is_empty() {
            return Err(format!("--from and --to are both needed\n{USAGE}"));
        }
        parsed.media = match (from_media, to_media) {
            (None, None) => None,
            (Some(from), Some(to)) => Some((from, to)),
            _ => return Err(format!("--from-media and --to-media go together\n{USAGE}")),
        };
        Ok(parsed)
    }
}

/// The file a SQLite URL names, if it names one (not `:memory:`, not a Postgres URL).
pub fn sqlite_file(url: &str) -> Option<PathBuf> {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = path.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

/// A database URL without its password (in the user part or a `password=` parameter),
/// to print.
pub fn redacted(url: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(url) else {
        return "<a database URL that does not parse>".into();
    };
    if parsed.password().is_some() {
        let _ = parsed.set_password(Some("***"));
    }
    if parsed.query_pairs().any(|(name, _)| name == "password") {
        let kept: Vec<(String, String)> = parsed
            .query_pairs()
            .map(|(name, value)| match name.as_ref() {
                "password" => (name.into_owned(), "***".into()),
                _ => (name.into_owned(), value.into_owned()),
            })
            .collect();
        parsed.query_pairs_mut().clear().extend_pairs(kept);
    }
    parsed.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Args, String> {
        Args::parse(args.iter().map(|a| a.to_string()))
    }

    #[test]
    fn arguments_read_as_the_usage_says() {
        let args = parse(&[
            "--from",
            "sqlite://a.db",
            "--to",
            "postgres://h/db",
            "--org",
            "x",
            "--org",
            "y, z",
            "--from-media",
            "m1",
            "--to-media",
            "m2",
        ]);
        let expected = Args {
            from: "sqlite://a.db".into(),
            to: "postgres://h/db".into(),
            orgs: vec!["x".into(), "y".into(), "z".into()],
            media: Some(("m1".into(), "m2".into())),
        };
        assert_eq!(args.unwrap(), expected);
    }

    #[test]
    fn incomplete_arguments_say_what_is_missing() {
        let cases: [(&[&str], &str); 5] = [
            (
                &["--from", "sqlite://a.db"],
                "--from and --to are both needed",
            ),
            (&["--from"], "--from needs a value"),
            (
                &["--from", "a", "--to", "b", "--org", "x,"],
                "--org needs slugs",
            ),
            (
                &["--from", "a", "--to", "b", "--to-media", "m"],
                "go together",
            ),
            (
                &["--from", "a", "--to", "b", "--orgs", "x"],
                "unknown argument \"--orgs\"",
            ),
        ];
        for (args, says) in cases {
            let error = parse(args).unwrap_err();
            assert!(
                error.contains(says) && error.contains(USAGE),
                "{args:?}: {error}"
            );
        }
    }

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(
            sqlite_file("sqlite:///tmp/a.db?mode=rwc"),
            Some("/tmp/a.db".into())
        );
        assert_eq!(sqlite_file("sqlite:lms.db"), Some("lms.db".into()));
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://h/db"), None);
    }

    #[test]
    fn printed_urls_carry_no_password() {
        let shown = redacted("postgres://lms:s3cret@db:5432/app?password=also&sslmode=require");
        assert!(
            !shown.contains("s3cret") && !shown.contains("also"),
            "{shown}"
        );
        assert!(
            shown.contains("sslmode=require") && shown.contains("db:5432/app"),
            "{shown}"
        );
        assert_eq!(redacted("sqlite:///tmp/a.db"), "sqlite:///tmp/a.db");
    }
}
