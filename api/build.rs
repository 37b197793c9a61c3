//! Builds the web app in `frontend/` (npm ci, then npm run build) when `frontend/dist` is
//! missing or older than the app's sources, so a plain `cargo build` / `cargo run` serves the
//! current app. `src/http/ui.rs` embeds the result. Set `PRAETOR_SKIP_FRONTEND_BUILD=1` to
//! embed whatever `frontend/dist` holds (for builds that prepare the frontend separately).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

/// What the built app depends on, relative to `frontend/`.
const INPUTS: &[&str] =
    &["src", "public", "index.html", "package.json", "package-lock.json", "vite.config.ts", "tsconfig.json"];

fn main() {
    if let Err(message) = run() {
        println!("cargo::error={message}");
        eprintln!("error: {message}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").map_err(|e| format!("CARGO_MANIFEST_DIR: {e}"))?;
    let frontend = Path::new(&manifest).join("..").join("frontend");
    println!("cargo::rerun-if-env-changed=PRAETOR_SKIP_FRONTEND_BUILD");
    for input in INPUTS {
        println!("cargo::rerun-if-changed={}", frontend.join(input).display());
    }
    if std::env::var_os("PRAETOR_SKIP_FRONTEND_BUILD").is_some_and(|v| !v.is_empty() && v != "0") {
        println!("cargo::warning=PRAETOR_SKIP_FRONTEND_BUILD is set: embedding frontend/dist as it is");
        return Ok(());
    }
    if !frontend.join("package.json").exists() {
        return Err(format!("{} has no package.json: the web app sources are missing", frontend.display()));
    }
    if is_fresh(&frontend)? {
        return Ok(());
    }
    // Several cargo builds (other target dirs, clippy and build at once) may get here together:
    // one builds, the others wait and then find the build fresh.
    let lock = File::create(frontend.join(".build-lock")).map_err(|e| format!("frontend/.build-lock: {e}"))?;
    lock.lock().map_err(|e| format!("locking frontend/.build-lock: {e}"))?;
    if is_fresh(&frontend)? {
        return Ok(());
    }
    let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
    match Command::new(npm).arg("--version").output() {
        Ok(out) if out.status.success() => {}
        _ => {
            return Err("building the web app needs Node.js 20.19+ and npm on PATH (or set \
                        PRAETOR_SKIP_FRONTEND_BUILD=1 to embed an existing frontend/dist)"
                .into());
        }
    }
    if needs_install(&frontend)? {
        npm_step(npm, &frontend, &["ci", "--no-audit", "--no-fund"])?;
    }
    npm_step(npm, &frontend, &["run", "build"])?;
    if !frontend.join("dist").join("index.html").exists() {
        return Err("`npm run build` finished but frontend/dist/index.html is missing".into());
    }
    Ok(())
}

fn npm_step(npm: &str, dir: &Path, args: &[&str]) -> Result<(), String> {
    println!("cargo::warning=web app: npm {}", args.join(" "));
    let status = Command::new(npm)
        .args(args)
        .current_dir(dir)
        .status()
        .map_err(|e| format!("running npm {}: {e}", args.join(" ")))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`npm {}` in frontend/ failed ({status}); see the output above", args.join(" ")))
    }
}

/// `dist/index.html` exists and is newer than every input.
fn is_fresh(frontend: &Path) -> Result<bool, String> {
    let Some(built) = modified(&frontend.join("dist").join("index.html"))? else {
        return Ok(false);
    };
    for input in INPUTS {
        if newest(&frontend.join(input))?.is_some_and(|t| t > built) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Dependencies are missing or older than the lock file.
fn needs_install(frontend: &Path) -> Result<bool, String> {
    let installed = modified(&frontend.join("node_modules").join(".package-lock.json"))?;
    let wanted = modified(&frontend.join("package-lock.json"))?;
    Ok(match (installed, wanted) {
        (Some(i), Some(w)) => w > i,
        _ => true,
    })
}

fn modified(path: &Path) -> Result<Option<SystemTime>, String> {
    match std::fs::metadata(path) {
        Ok(m) => m.modified().map(Some).map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// The newest modification time of a file, or of any file below a directory.
fn newest(path: &Path) -> Result<Option<SystemTime>, String> {
    let Some(mut latest) = modified(path)? else {
        return Ok(None);
    };
    if path.is_dir() {
        let mut stack: Vec<PathBuf> = vec![path.to_path_buf()];
        while let Some(dir) = stack.pop() {
            let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            for entry in entries {
                let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
                let p = entry.path();
                if p.is_dir() {
                    stack.push(p);
                } else if let Some(t) = modified(&p)? {
                    latest = latest.max(t);
                }
            }
        }
    }
    Ok(Some(latest))
}
