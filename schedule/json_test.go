package schedule

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Hours survive a JSON round trip, time zone included.
// Rule: DF3, DF4
func TestHoursJSONRoundTrip(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	for _, h := range []Hours{
		{},
		{Override: OutOfOffice},
		{Weekly: Weekdays(9*time.Hour, 17*time.Hour), Location: ny},
	} {
		b, err := json.Marshal(h)
		require.NoError(t, err)
		var got Hours
		require.NoError(t, json.Unmarshal(b, &got))
		require.Equal(t, h.Weekly, got.Weekly)
		require.Equal(t, h.Override, got.Override)
		at := time.Date(2026, 3, 2, 14, 30, 0, 0, time.UTC) // 09:30 in New York
		require.Equal(t, h.Open(at), got.Open(at))
	}
	var h Hours
	err = json.Unmarshal([]byte(`{"location":"Nowhere/Atlantis"}`), &h)
	require.True(t, errors.Is(err, ErrInvalidHours), "got %v", err)
}
