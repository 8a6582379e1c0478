package phonebalance

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// Directions encode by name and refuse anything else.
// Rule: LC6
func TestDirectionText(t *testing.T) {
	for _, d := range []Direction{Inbound, Outbound} {
		b, err := json.Marshal(d)
		require.NoError(t, err)
		var got Direction
		require.NoError(t, json.Unmarshal(b, &got))
		require.Equal(t, d, got)
	}
	require.Equal(t, `"outbound"`, mustJSON(t, Outbound))
	_, err := json.Marshal(Direction(0))
	require.Error(t, err)
	var d Direction
	require.Error(t, json.Unmarshal([]byte(`"sideways"`), &d))
	require.Equal(t, "Direction(7)", Direction(7).String())
}

func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}
