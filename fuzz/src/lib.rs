//! What every fuzz target shares (see README.md).

/// Set the crate's memory budget to 32 MiB, so a declared size the crate accepts can never
/// make libFuzzer report an out-of-memory (sizes above it must be refused by the guards).
pub fn budget() {
    implicit_bias::resources::set_memory_limit(Some(32 << 20));
}

/// Set the budget, then decode `data` as the file reader does (UTF-8, optional BOM):
/// `None` for bytes the reader would refuse before any parser sees them.
pub fn text(data: &[u8]) -> Option<&str> {
    budget();
    implicit_bias::read_file::decode_text(data, "fuzz").ok()
}
