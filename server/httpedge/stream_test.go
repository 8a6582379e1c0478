package httpedge_test

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/server/httpedge"
)

// An event stream answers with the stream's headers, and each write
// reaches the client while the handler still holds the request (it is
// flushed, not buffered until the handler returns).
func TestEventStream(t *testing.T) {
	release := make(chan struct{})
	wrote := make(chan bool, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		write := httpedge.EventStream(w, 10*time.Second)
		wrote <- write([]byte("retry: 1000\n\n"))
		<-release
	}))
	defer srv.Close()
	defer close(release)
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if !<-wrote {
		t.Fatal("write reported a broken stream")
	}
	for k, want := range map[string]string{"Content-Type": "text/event-stream", "Cache-Control": "no-store", "X-Accel-Buffering": "no"} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status %d", resp.StatusCode)
	}
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil || line != "retry: 1000\n" {
		t.Fatalf("first line %q, %v", line, err)
	}
}
