package media

import (
	"strconv"
	"time"
)

// UnknownWait is the expected wait to pass to Announcement when there is no estimate; any
// negative duration means the same. The wait sentence is then left out.
const UnknownWait time.Duration = -1

// Names of the prompts in a prompt set besides numbers (see Prompts).
const (
	PromptCallerNumber    = "caller-number"      // "You are caller number"
	PromptWaitAbout       = "wait-about"         // "Your expected wait is about"
	PromptMinute          = "minute"             // "minute"
	PromptMinutes         = "minutes"            // "minutes"
	PromptLessThanMinute  = "less-than-a-minute" // "Your expected wait is less than a minute"
	PromptMoreThan        = "more-than"          // "more than"
	PromptOptions         = "options"            // "Press 1 to leave a voicemail, press 2 to be called back"
	PromptLeaveMessage    = "leave-message"      // "Please leave your message after the tone"
	PromptTone            = "tone"               // a 400 ms 1 kHz beep
	PromptCallbackConfirm = "callback-confirm"   // "Thank you. We will call you back, and you keep your place in line"
	PromptMessageSaved    = "message-saved"      // "Your message has been saved. Goodbye"
)

// maxSpoken is the largest number the prompt set can say; larger ones are "more than 99".
const maxSpoken = 99

// Announcement returns the names of the prompts that tell a caller their place in line and
// expected wait, in order, for Prompts.Clips. Place 3 and a wait of 4 minutes give "You are
// caller number / 3 / Your expected wait is about / 4 / minutes". A place below 1 leaves out
// the place sentence; a negative wait (UnknownWait) leaves out the wait sentence; a wait
// under a minute is "less than a minute"; longer waits are rounded to the nearest minute.
// Numbers above 99 are said as "more than 99". It is a pure function.
func Announcement(place int, wait time.Duration) []string {
	var names []string
	if place >= 1 {
		names = append(names, PromptCallerNumber)
		names = appendNumber(names, place)
	}
	switch {
	case wait < 0:
	case wait < time.Minute:
		names = append(names, PromptLessThanMinute)
	default:
		m := int((wait + 30*time.Second) / time.Minute)
		names = append(names, PromptWaitAbout)
		names = appendNumber(names, m)
		if m == 1 {
			names = append(names, PromptMinute)
		} else {
			names = append(names, PromptMinutes)
		}
	}
	return names
}

// appendNumber appends the prompts saying n (1 or more): "1"…"20", then tens and units.
func appendNumber(names []string, n int) []string {
	if n > maxSpoken {
		names = append(names, PromptMoreThan)
		n = maxSpoken
	}
	if n <= 20 {
		return append(names, strconv.Itoa(n))
	}
	names = append(names, strconv.Itoa(n/10*10))
	if n%10 != 0 {
		names = append(names, strconv.Itoa(n%10))
	}
	return names
}
