package api

import "time"

// SetHeaderGrace shortens HeaderGrace for a test and returns the undo.
func SetHeaderGrace(d time.Duration) (undo func()) {
	old := headerGrace
	headerGrace = d
	return func() { headerGrace = old }
}
