package schedule

import (
	"encoding/json"
	"fmt"
	"time"
)

// hoursJSON is Hours with the location named, so Hours survive a JSON round
// trip (in a command log or an engine snapshot).
type hoursJSON struct {
	Weekly   []Interval `json:"weekly,omitempty"`
	Location string     `json:"location,omitempty"`
	Override Override   `json:"override,omitempty"`
}

// MarshalJSON encodes the hours with the location by its IANA name.
func (h Hours) MarshalJSON() ([]byte, error) {
	v := hoursJSON{Weekly: h.Weekly, Override: h.Override}
	if h.Location != nil && h.Location != time.UTC {
		v.Location = h.Location.String()
	}
	return json.Marshal(v)
}

// UnmarshalJSON decodes hours, loading the named location.
func (h *Hours) UnmarshalJSON(b []byte) error {
	var v hoursJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	out := Hours{Weekly: v.Weekly, Override: v.Override}
	if v.Location != "" {
		loc, err := time.LoadLocation(v.Location)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidHours, err)
		}
		out.Location = loc
	}
	*h = out
	return nil
}
