//! How the triage reads the machine: the [`System`] trait, implemented by
//! [`RootFs`] for a real or fake file tree (`/proc`, `/sys`, `/dev` under
//! one root), so that tests run against a fake `/proc` in a temp dir.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Clock ticks per second of `/proc/PID/stat` times: the kernel's USER_HZ,
/// 100 on every Linux architecture this crate runs on (`include/asm-generic/param.h`).
pub const USER_HZ: u64 = 100;

/// Read access to the machine, by absolute path (`/proc/modules`).
pub trait System {
    /// The contents of a file.
    fn read(&self, path: &str) -> io::Result<Vec<u8>>;

    /// The contents of a file as text (lossy UTF-8).
    fn read_text(&self, path: &str) -> io::Result<String> {
        self.read(path)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
    }

    /// Whether a path exists.
    fn exists(&self, path: &str) -> bool;

    /// The names in a directory.
    fn list(&self, path: &str) -> io::Result<Vec<String>>;

    /// The major number of a character device file, `None` if `path` is not one.
    fn char_major(&self, path: &str) -> Option<u32>;

    /// Waits about `wanted` between two CPU samples; returns the time that really passed.
    fn pause(&self, wanted: Duration) -> Duration;

    /// Clock ticks per second of `/proc/PID/stat` ([`USER_HZ`]).
    fn clk_tck(&self) -> u64 {
        USER_HZ
    }

    /// The root directory paths are relative to (`/` on a real machine).
    fn root(&self) -> &Path;

    /// Where a symbolic link points (`/proc/PID/fd/N`), as written in the link.
    fn read_link(&self, path: &str) -> io::Result<PathBuf> {
        fs::read_link(self.root().join(path.trim_start_matches('/')))
    }
}

/// The file tree under `root`: `/` for the running machine, a temp dir in tests.
#[derive(Clone, Debug)]
pub struct RootFs {
    root: PathBuf,
}

impl RootFs {
    /// The running machine.
    pub fn real() -> RootFs {
        RootFs {
            root: PathBuf::from("/"),
        }
    }

    /// The tree under `root`.
    pub fn at(root: impl Into<PathBuf>) -> RootFs {
        RootFs { root: root.into() }
    }

    /// The host path of absolute path `path` in this tree.
    pub fn path(&self, path: &str) -> PathBuf {
        self.root.join(path.trim_start_matches('/'))
    }
}

impl System for RootFs {
    fn read(&self, path: &str) -> io::Result<Vec<u8>> {
        fs::read(self.path(path))
    }

    fn exists(&self, path: &str) -> bool {
        fs::symlink_metadata(self.path(path)).is_ok()
    }

    fn list(&self, path: &str) -> io::Result<Vec<String>> {
        fs::read_dir(self.path(path))?
            .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect()
    }

    fn char_major(&self, path: &str) -> Option<u32> {
        use std::os::unix::fs::{FileTypeExt, MetadataExt};
        let md = fs::metadata(self.path(path)).ok()?;
        if !md.file_type().is_char_device() {
            return None;
        }
        let dev = md.rdev();
        // glibc's gnu_dev_major: bits 8..20 and 32..44.
        Some((((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff)) as u32)
    }

    fn pause(&self, wanted: Duration) -> Duration {
        let t0 = Instant::now();
        std::thread::sleep(wanted);
        t0.elapsed()
    }

    fn root(&self) -> &Path {
        &self.root
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rooted_paths() {
        let fs = RootFs::at("/tmp/x");
        assert_eq!(
            fs.path("/proc/modules"),
            PathBuf::from("/tmp/x/proc/modules")
        );
        assert_eq!(
            RootFs::real().path("/proc/1/stat"),
            PathBuf::from("/proc/1/stat")
        );
        assert!(RootFs::real().char_major("/nonexistent").is_none());
    }
}
