//! Where the console finds the API: `--api URL`, else `BEEGET_ADMIN_API`, else `api` in
//! `<config dir>/beeget-admin/config.toml` (`~/.config/beeget-admin/config.toml` on Linux),
//! else the local server of `just serve`.

use std::path::PathBuf;

use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use serde::{Deserialize, Serialize};

/// The console's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// Base URL of the API, e.g. `http://127.0.0.1:8080` (with the server's `base_path`, if any).
    pub api: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            api: "http://127.0.0.1:8080".into(),
        }
    }
}

/// The config file's path, when the platform has a config directory.
pub fn config_file() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("beeget-admin").join("config.toml"))
}

impl Settings {
    /// Defaults, then the config file, then `BEEGET_ADMIN_*`, then `--api`.
    ///
    /// Errors: a config file that is not valid TOML or names a key with a wrong type; an API
    /// URL that is not `http://` or `https://`.
    pub fn load(file: Option<PathBuf>, api_flag: Option<String>) -> Result<Self, String> {
        let mut figment = Figment::from(Serialized::defaults(Self::default()));
        if let Some(file) = file {
            figment = figment.merge(Toml::file(file));
        }
        let mut settings: Self = figment
            .merge(Env::prefixed("BEEGET_ADMIN_"))
            .extract()
            .map_err(|e| format!("configuration: {e}"))?;
        if let Some(api) = api_flag {
            settings.api = api;
        }
        settings.api = settings.api.trim_end_matches('/').to_owned();
        if !(settings.api.starts_with("http://") || settings.api.starts_with("https://")) {
            return Err(format!(
                "the API URL must start with http:// or https://, not \"{}\"",
                settings.api
            ));
        }
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_beats_the_environment_which_beats_the_file() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("config.toml", r#"api = "http://from-file:9000/""#)?;
            let file = Some(jail.directory().join("config.toml"));
            assert_eq!(Settings::load(file.clone(), None).unwrap().api, "http://from-file:9000");
            jail.set_env("BEEGET_ADMIN_API", "https://from-env.example");
            assert_eq!(
                Settings::load(file.clone(), None).unwrap().api,
                "https://from-env.example"
            );
            let flag = Some("http://127.0.0.1:8081".to_owned());
            assert_eq!(Settings::load(file, flag).unwrap().api, "http://127.0.0.1:8081");
            Ok(())
        });
    }

    #[test]
    fn defaults_without_a_file_and_clear_errors_for_bad_values() {
        figment::Jail::expect_with(|jail| {
            assert_eq!(Settings::load(None, None).unwrap(), Settings::default());
            let missing = Some(jail.directory().join("absent.toml"));
            assert_eq!(Settings::load(missing, None).unwrap(), Settings::default());
            let err = Settings::load(None, Some("127.0.0.1:8080".into())).unwrap_err();
            assert!(err.contains("must start with http://"), "{err}");
            jail.create_file("bad.toml", "api = 8080")?;
            let err = Settings::load(Some(jail.directory().join("bad.toml")), None).unwrap_err();
            assert!(err.starts_with("configuration:"), "{err}");
            Ok(())
        });
    }
}
