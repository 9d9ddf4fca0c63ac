//! Who may embed and drive `embed.html`, and which data URLs it may open: decided by the
//! deployment's `embed-config.json` (next to `embed.html`), never by the framing page's URL.
//!
//! The config is `{ "allowedOrigins": ["https://lms.example.edu"] }`; a missing, unreadable or
//! empty one means "same origin only". The embed's own origin is always allowed. An origin is
//! compared as the browser writes it (`event.origin`, `location.ancestorOrigins`): lower-case
//! scheme and host, no default port, no path.

use serde::Deserialize;

/// The config's file name, next to `embed.html`.
pub const CONFIG_FILE: &str = "embed-config.json";

/// The generic text of the `coursepulse:error` event whose code is `url-refused`.
pub const URL_REFUSED: &str = "This embed opens only files from its own site or from the sites \
its deployment lists in embed-config.json.";

/// The origins that may frame and drive the embed, and that its data may come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmbedPolicy {
    /// The embed's own origin.
    own: String,
    /// The deployment's list, normalised.
    listed: Vec<String>,
}

/// Who framed the embed, as far as the page can tell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Embedder {
    /// Every ancestor is allowed; the parent is this origin (events go there only).
    Allowed(String),
    /// An ancestor is not allowed (this one): the embed does nothing for it.
    Refused(String),
    /// The browser does not list ancestors (`location.ancestorOrigins` is Chromium and Safari
    /// only): the first message from the parent decides, through [`EmbedPolicy::allows`].
    Unknown,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Config {
    #[serde(default)]
    allowed_origins: Vec<String>,
}

impl EmbedPolicy {
    /// The default: only pages of the embed's own origin.
    pub fn same_origin_only(own: &str) -> EmbedPolicy {
        EmbedPolicy {
            own: normalise_origin(own).unwrap_or_else(|| own.to_owned()),
            listed: Vec::new(),
        }
    }

    /// The policy of an `embed-config.json` text; the error says what is wrong with it (the
    /// caller then falls back to [`EmbedPolicy::same_origin_only`]).
    pub fn from_config(text: &str, own: &str) -> Result<EmbedPolicy, String> {
        let config: Config = serde_json::from_str(text).map_err(|error| {
            format!(
                "{CONFIG_FILE} is not {{\"allowedOrigins\": [\"https://lms.example.edu\"]}}: {error}"
            )
        })?;
        let mut policy = EmbedPolicy::same_origin_only(own);
        for written in &config.allowed_origins {
            let origin = normalise_origin(written).ok_or_else(|| {
                format!(
                    "{CONFIG_FILE}: {written:?} is not an origin like https://lms.example.edu \
                     (scheme and host only, no path, no wildcard)"
                )
            })?;
            if !policy.listed.contains(&origin) {
                policy.listed.push(origin);
            }
        }
        Ok(policy)
    }

    /// Every origin allowed, the embed's own first.
    pub fn origins(&self) -> Vec<String> {
        let mut all = vec![self.own.clone()];
        all.extend(self.listed.iter().filter(|o| **o != self.own).cloned());
        all
    }

    /// Whether a page of `origin` (as a browser reports it) may frame and drive the embed.
    /// The opaque origin `null` (sandboxed frames, `data:` and `file:` pages) never may.
    pub fn allows(&self, origin: &str) -> bool {
        normalise_origin(origin).is_some_and(|origin| self.origins().contains(&origin))
    }

    /// Who framed the embed, from `location.ancestorOrigins` (parent first) when the browser
    /// has it. Every ancestor must be allowed: an allowed page framed by another site would
    /// otherwise lend that site the embed.
    pub fn embedder(&self, ancestors: Option<&[String]>) -> Embedder {
        let Some(ancestors) = ancestors else {
            return Embedder::Unknown;
        };
        let Some(parent) = ancestors.first() else {
            return Embedder::Unknown;
        };
        match ancestors.iter().find(|origin| !self.allows(origin)) {
            Some(refused) => Embedder::Refused(refused.clone()),
            None => Embedder::Allowed(parent.clone()),
        }
    }

    /// Whether the embed may open `url` (`?src=` or a host's `{url}`): `sample`, a path on the
    /// embed's own site, or an `http(s)` URL of an allowed origin. Anything else (`data:`,
    /// `javascript:`, `blob:`, `file:`, user names, backslashes, control characters) is refused;
    /// the error is for the console and the embed's own page, never for the host.
    pub fn check_url(&self, url: &str) -> Result<(), String> {
        let url = url.trim_matches(|ch: char| ch == ' ' || ch.is_ascii_control());
        if url.is_empty() {
            return Err("the URL is empty".into());
        }
        if url == "sample" {
            return Ok(());
        }
        // Browsers drop tabs and newlines inside URLs and read `\` as `/`: refused rather than
        // second-guessed, so what is checked is what is fetched.
        if url.chars().any(|ch| ch.is_control() || ch == '\\') {
            return Err("the URL holds a control character or a backslash".into());
        }
        let end_of_scheme = url.find([':', '/', '?', '#']);
        let (origin, rest) = if let Some(rest) = url.strip_prefix("//") {
            let scheme = self
                .own
                .split_once("://")
                .map_or("https", |(scheme, _)| scheme);
            (format!("{scheme}://"), rest)
        } else if let Some(index) = end_of_scheme.filter(|&index| url[index..].starts_with(':')) {
            let scheme = url[..index].to_ascii_lowercase();
            if scheme != "http" && scheme != "https" {
                return Err(format!(
                    "{scheme}: URLs are not opened; only http(s) URLs and paths on this site"
                ));
            }
            let Some(rest) = url[index + 1..].strip_prefix("//") else {
                return Err(format!("{scheme}: must be followed by //host"));
            };
            (format!("{scheme}://"), rest)
        } else {
            // A path, query or fragment: resolved against the embed's own page.
            return Ok(());
        };
        let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
        if authority.contains('@') {
            return Err("URLs with a user name are not opened".into());
        }
        let origin = format!("{origin}{authority}");
        if self.allows(&origin) {
            Ok(())
        } else {
            Err(format!(
                "{origin} is neither this site nor an origin listed in {CONFIG_FILE}"
            ))
        }
    }
}

/// `text` as a browser writes an origin (lower case, no default port), or `None` when it is
/// not one (a path, a wildcard, `null`).
pub fn normalise_origin(text: &str) -> Option<String> {
    if !crate::url_state::is_origin(text) {
        return None;
    }
    let lower = text.to_ascii_lowercase();
    let (scheme, host) = lower.split_once("://")?;
    let default_port = if scheme == "https" { ":443" } else { ":80" };
    let host = host.strip_suffix(default_port).unwrap_or(host);
    Some(format!("{scheme}://{host}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWN: &str = "https://pulse.example.edu";
    const LMS: &str = "https://lms.example.edu";

    fn listing_the_lms() -> EmbedPolicy {
        EmbedPolicy::from_config(
            r#"{"allowedOrigins": ["https://LMS.example.edu:443"]}"#,
            OWN,
        )
        .unwrap()
    }

    #[test]
    fn the_default_is_same_origin_only() {
        for policy in [
            EmbedPolicy::same_origin_only(OWN),
            EmbedPolicy::from_config("{}", OWN).unwrap(),
            EmbedPolicy::from_config(r#"{"allowedOrigins": []}"#, OWN).unwrap(),
        ] {
            assert!(policy.allows(OWN));
            assert!(!policy.allows(LMS));
            assert!(!policy.allows("null"));
            assert_eq!(policy.origins(), [OWN]);
        }
    }

    #[test]
    fn listed_origins_are_compared_as_browsers_write_them() {
        let policy = listing_the_lms();
        assert!(policy.allows(LMS));
        assert!(policy.allows("https://lms.example.edu:443"));
        assert!(!policy.allows("http://lms.example.edu"), "another scheme");
        assert!(!policy.allows("https://lms.example.edu.evil.test"));
        assert!(!policy.allows("https://evil.test"));
        assert_eq!(policy.origins(), [OWN, LMS]);
    }

    #[test]
    fn a_bad_config_says_what_is_wrong() {
        for (text, expected) in [
            (r#"{"allowedOrigins": ["*"]}"#, "\"*\" is not an origin"),
            (
                r#"{"allowedOrigins": ["https://lms.example.edu/course"]}"#,
                "no path",
            ),
            (r#"{"origins": []}"#, "unknown field `origins`"),
            ("allowedOrigins=*", "is not {\"allowedOrigins\""),
        ] {
            let error = EmbedPolicy::from_config(text, OWN).unwrap_err();
            assert!(error.contains(expected), "{text}: {error}");
        }
    }

    #[test]
    fn every_ancestor_must_be_allowed() {
        let policy = listing_the_lms();
        let list = |origins: &[&str]| origins.iter().map(|o| (*o).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            policy.embedder(Some(&list(&[LMS]))),
            Embedder::Allowed(LMS.into())
        );
        assert_eq!(
            policy.embedder(Some(&list(&[OWN, LMS]))),
            Embedder::Allowed(OWN.into())
        );
        assert_eq!(
            policy.embedder(Some(&list(&["http://localhost:4000"]))),
            Embedder::Refused("http://localhost:4000".into())
        );
        assert_eq!(
            policy.embedder(Some(&list(&[LMS, "https://evil.test"]))),
            Embedder::Refused("https://evil.test".into()),
            "an allowed page framed by another site"
        );
        assert_eq!(policy.embedder(None), Embedder::Unknown);
    }

    #[test]
    fn only_own_paths_and_listed_origins_are_opened() {
        let policy = listing_the_lms();
        for good in [
            "sample",
            "data/week 1.parquet",
            "/data/week.parquet",
            "./x.csv?v=2#top",
            "https://pulse.example.edu/data/x.parquet",
            "https://lms.example.edu/files/x.parquet",
            "HTTPS://LMS.example.edu:443/x",
            "//lms.example.edu/x",
        ] {
            assert_eq!(policy.check_url(good), Ok(()), "{good}");
        }
        for bad in [
            "",
            "data:text/csv,a,b",
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "blob:https://pulse.example.edu/1234",
            "file:///etc/passwd",
            "ftp://lms.example.edu/x",
            "https://evil.test/x.parquet",
            "http://lms.example.edu/x",
            "https://lms.example.edu@evil.test/x",
            "//evil.test/x",
            "/\\evil.test/x",
            "java\tscript:alert(1)",
            "https:evil.test",
        ] {
            assert!(policy.check_url(bad).is_err(), "{bad:?} was allowed");
        }
        let same_only = EmbedPolicy::same_origin_only(OWN);
        assert!(
            same_only
                .check_url("https://lms.example.edu/files/x.parquet")
                .is_err()
        );
    }
}
