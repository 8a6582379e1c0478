package httpedge

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/phonebalance/phonebalance/assign"
)

// The table of limits on what the server accepts, for the API and the
// dashboard alike. Each is at most the engine's own limit
// (assign.MaxIDLen, assign.MaxNameLen), so nothing the edge accepts is
// refused by the engine for its size.
const (
	// MaxIDBytes is the longest ID (teammate, team, call), in bytes: the
	// engine's own limit, so that every ID the engine holds (a SIP
	// Call-ID among them) can be named in a request.
	MaxIDBytes = assign.MaxIDLen
	// MaxNameBytes is the longest team or teammate display name, in bytes.
	MaxNameBytes = 200
	// MaxReasonBytes is the longest away reason, in bytes.
	MaxReasonBytes = 200
	// MaxJSONBody is the largest JSON request body, in bytes.
	MaxJSONBody = 64 << 10
	// MaxFormBody is the largest form body (the login form), in bytes.
	MaxFormBody = 4 << 10
	// MaxHeaderBytes bounds a request's headers.
	MaxHeaderBytes = 16 << 10
)

// invisible reports whether r is a character that changes how an ID
// displays without showing itself: a bidi embedding, override or isolate
// (U+202A-U+202E, U+2066-U+2069), or a zero-width character (U+200B-U+200D,
// U+2060, U+FEFF).
func invisible(r rune) bool {
	switch {
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
		return true
	case r >= 0x200B && r <= 0x200D, r == 0x2060, r == 0xFEFF:
		return true
	}
	return false
}

// BreaksLine reports whether r is a control character (Unicode category
// Cc) or a line or paragraph separator: what could start a new line in a
// text view (and so what CheckID and CheckText refuse, and what a text
// answer escapes).
func BreaksLine(r rune) bool {
	return unicode.IsControl(r) || unicode.In(r, unicode.Zl, unicode.Zp)
}

// CheckID refuses an ID the server does not accept, with an error wrapping
// ErrInvalidID (400 "invalid_id") that names field: empty, longer than
// MaxIDBytes, not valid UTF-8, "." or ".." (a URL path cannot name them),
// holding '/', '?' or '#' (IDs appear in URL paths), a control character
// (Unicode category Cc, or a line or paragraph separator), a bidi override
// or isolate, or a zero-width character.
func CheckID(field, v string) error {
	switch {
	case v == "":
		return Errorf(ErrInvalidID, "%s is empty", field)
	case len(v) > MaxIDBytes:
		return Errorf(ErrInvalidID, "%s is longer than %d bytes", field, MaxIDBytes)
	case !utf8.ValidString(v):
		return Errorf(ErrInvalidID, "%s is not valid UTF-8", field)
	case v == "." || v == "..":
		return Errorf(ErrInvalidID, "%s %q cannot appear in a URL path", field, v)
	case strings.ContainsAny(v, "/?#"):
		return Errorf(ErrInvalidID, "%s has '/', '?' or '#'", field)
	case strings.ContainsFunc(v, BreaksLine):
		return Errorf(ErrInvalidID, "%s has a control character", field)
	case strings.ContainsFunc(v, invisible):
		return Errorf(ErrInvalidID, "%s has a bidi control or zero-width character", field)
	}
	return nil
}

// CheckText refuses a name or reason longer than max bytes, not valid
// UTF-8, or holding a control character (a newline would forge a line in
// a text timeline) or a bidi override or isolate, with an error wrapping
// ErrInvalidText (400 "invalid_text"). Empty is allowed.
func CheckText(field, v string, max int) error {
	switch {
	case len(v) > max:
		return Errorf(ErrInvalidText, "%s is longer than %d bytes", field, max)
	case !utf8.ValidString(v):
		return Errorf(ErrInvalidText, "%s is not valid UTF-8", field)
	case strings.ContainsFunc(v, BreaksLine):
		return Errorf(ErrInvalidText, "%s has a control character", field)
	case strings.ContainsFunc(v, invisible):
		return Errorf(ErrInvalidText, "%s has a bidi control or zero-width character", field)
	}
	return nil
}
