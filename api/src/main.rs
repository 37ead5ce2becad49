/// mimalloc instead of glibc malloc: the catalogue index holds millions of small
/// allocations made across many threads, where glibc's per-thread arenas fragment and its
/// consolidation showed as a third of the index build's time (see BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    beeget_api::cli::main()
}
