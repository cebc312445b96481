fn main() {
    std::process::exit(hubcfg::cli::main());
}
