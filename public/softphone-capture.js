// The softphone's microphone tap (AudioWorklet): hands each block of input samples (Float32,
// at the AudioContext's 8 kHz) to the page, which sends them to the server as 16-bit PCM.
class CaptureProcessor extends AudioWorkletProcessor {
  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (channel && channel.length) this.port.postMessage(channel.slice(0));
    return true;
  }
}
registerProcessor('softphone-capture', CaptureProcessor);
