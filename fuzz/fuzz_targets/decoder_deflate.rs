#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| wsync::fuzzing::decoder_deflate(data));
