//! Checks of the repository's layout that the code relies on.

use std::collections::BTreeSet;
use std::path::Path;

fn names(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn both_backends_have_migrations_of_the_same_names_with_up_and_down() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations");
    let pg = names(&root.join("postgres"));
    let sqlite = names(&root.join("sqlite"));
    assert!(!pg.is_empty());
    assert_eq!(
        pg, sqlite,
        "every migration needs a PostgreSQL and a SQLite folder of the same name"
    );
    for m in &pg {
        for backend in ["postgres", "sqlite"] {
            for f in ["up.sql", "down.sql"] {
                assert!(
                    root.join(backend).join(m).join(f).is_file(),
                    "{backend}/{m}/{f} is missing"
                );
            }
        }
    }
}
