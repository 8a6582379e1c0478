package api

import "testing"

// A name cannot forge a line of a text timeline: control characters and
// invalid UTF-8 print as escapes.
func TestEscapeLine(t *testing.T) {
	for in, want := range map[string]string{
		"Call answered by Ana.":                "Call answered by Ana.",
		"Ana\n09:00:00  Call answered by Eve.": `Ana\n09:00:00  Call answered by Eve.`,
		"tab\there\r\x00":                      `tab\there\r\x00`,
		"bad \xff byte":                        `bad \xff byte`,
		"Zoë ✓":                                "Zoë ✓",
		"a\u2028line separator":                `a\u2028line separator`,
	} {
		if got := escapeLine(in); got != want {
			t.Errorf("escapeLine(%q) = %q, want %q", in, got, want)
		}
	}
	if got := escapeLines("a\nb\x1bc"); got != "a\n"+`b\x1bc` {
		t.Errorf("escapeLines: %q", got)
	}
}
