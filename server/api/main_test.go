package api_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Every test closes its node and server: no goroutine outlives the tests
// but the HTTP client's idle keep-alive connections.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(checked{m},
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
	)
}
