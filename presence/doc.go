// Package presence models whether a teammate could take a phone call right
// now: their channel availability, their Active or Away status and its
// reason, whether their phone client is open in the foreground, and the
// automatic status changes that phone calls make ("On a call", "call wrap
// up").
//
// It implements rules PR1-PR8. The package is a leaf: it knows nothing
// of calls, teams or time sources. Values are plain data; a [State] is not
// safe for concurrent mutation, and the assign engine owns the ones it uses.
package presence
