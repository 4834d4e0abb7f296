//! Arbitrary bytes through the endpoint's frontend framing and decoders
//! (startup packet, typed messages, SASL/password bodies): they must return
//! a message or an error, never panic or read out of bounds.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Both a tight and a generous message bound, as before and after auth.
    borealis_endpoint::fuzz_decode(data, 64);
    borealis_endpoint::fuzz_decode(data, 1 << 20);
});
