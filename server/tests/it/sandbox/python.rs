//! Twilio's official Python helper library (`twilio` on PyPI) against the emulator, through
//! `server/tests/python/twilio_sdk_test.py`, with the interpreter named by
//! ORDERLINE_TWILIO_PYTHON (a venv with `twilio` installed; scripts/test.sh sets it).

use super::{spawn_emulator_with, SANDBOX_NUMBER};
use std::time::Duration;

#[tokio::test]
async fn twilios_python_library_works_against_the_emulator() {
    let Ok(python) = std::env::var("ORDERLINE_TWILIO_PYTHON") else {
        println!("skipped: ORDERLINE_TWILIO_PYTHON unset");
        return;
    };
    let emulator = spawn_emulator_with(Duration::from_millis(100)).await;
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/python/twilio_sdk_test.py"
    );
    let args = [
        script.to_owned(),
        emulator.base.clone(),
        emulator.account_sid.clone(),
        emulator.token.clone(),
        SANDBOX_NUMBER.to_owned(),
    ];
    // The script bounds its own waits; this bounds the whole run.
    let run =
        tokio::task::spawn_blocking(move || std::process::Command::new(python).args(args).output());
    let output = tokio::time::timeout(Duration::from_secs(90), run)
        .await
        .expect("the script ends within 90 s")
        .expect("the runner task")
        .expect("the interpreter runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "twilio_sdk_test.py failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    assert!(stdout.contains("all checks passed"), "{stdout}");
}
