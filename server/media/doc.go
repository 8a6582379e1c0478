// Package media is the audio of phonebalanced's calls: RTP legs, G.711, WAV files, a paced
// Player, hold music with place-in-line announcements, a Bridge and a voicemail Recorder.
//
// Stack. SIP legs use github.com/pion/rtp on a plain UDP socket per leg (UDPLeg) and
// github.com/pion/sdp/v3 for offer/answer (ParseSDP, LocalMedia), with github.com/zaf/g711
// for µ-law and A-law. emiago/diago v0.42.1 builds with CGO_ENABLED=0 (its libopus binding is
// behind the with_opus_c tag), but it brings its own dialog layer over sipgo, a forked DTLS and
// pion/webrtc v3, its API is still moving (its README), and it is MPL-2.0; the gateway already
// owns its sipgo dialogs and needs only RTP in and out. The browser leg (WebRTCLeg) uses
// pion/webrtc/v4 on the same pion/rtp, pure Go (builds with CGO_ENABLED=0): RegisterG711
// limits it to PCMU and PCMA, which every WebRTC browser must support (RFC 7874), so G.711
// frames pass between a UDPLeg and the browser unchanged, with no transcoding and no Opus.
//
// Every party implements Leg (UDPLeg for SIP, WebRTCLeg for a browser); Bridge, Player, Hold
// and Record work on any Leg. Frames are 20 ms (160 samples at 8 kHz). Time comes from the
// time package, so tests fake it with testing/synctest.
//
// Shipped audio (embedded): audio/hold.wav is synthesised by internal/gen/holdmusic (sine
// chords, no licence beyond the repository's); audio/prompts/*.wav are synthesised by
// internal/gen/prompts.sh with espeak-ng and sox (a program's output is not covered by the
// program's GPL). Regenerate both with `go generate` (needs the Debian packages espeak-ng and
// sox); the output is the same bytes each time.
package media

//go:generate go run ./internal/gen/holdmusic
//go:generate sh internal/gen/prompts.sh
