//! Unpacks one `.deb` (`unpack_deb FILE.deb DIR`), for timing the unpacker
//! against `dpkg-deb -x` without building the whole CLI in release mode:
//! `cargo run --release -p cairn-deb --example unpack_deb -- gcc-12.deb out`.

use std::io::BufReader;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args_os().skip(1).map(PathBuf::from);
    let (Some(deb), Some(dir)) = (args.next(), args.next()) else {
        return Err("usage: unpack_deb FILE.deb DIR".into());
    };
    let file = BufReader::with_capacity(1 << 20, std::fs::File::open(&deb)?);
    let unpacked = cairn_deb::unpack(file, &deb, &dir)?;
    // The statistics are the example's output.
    #[expect(clippy::print_stdout, reason = "an example program reports its result")]
    {
        println!("{:?}", unpacked.stats);
    }
    Ok(())
}
