//! Compiles the protocol definitions in `proto/` with protox (a pure-Rust
//! protobuf compiler, so no system `protoc` is needed) and generates the
//! tonic server and client code from them.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let files = ["tfplugin6.proto", "plugin.proto", "health.proto"];
    for f in &files {
        println!("cargo:rerun-if-changed=proto/{f}");
    }
    let descriptors = protox::compile(files, ["proto"])?;
    tonic_prost_build::configure()
        .build_server(true)
        // The client is for the in-process gRPC tests.
        .build_client(true)
        .compile_fds(descriptors)?;
    Ok(())
}
