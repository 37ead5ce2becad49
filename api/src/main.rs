fn main() -> std::process::ExitCode {
    beeget_api::cli::main()
}
