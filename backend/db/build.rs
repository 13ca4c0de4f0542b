//! The migrations are embedded in the crate: a new or changed one rebuilds it.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
