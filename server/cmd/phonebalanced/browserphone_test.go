package main

import (
	"context"
	"errors"
	"testing"

	"github.com/phonebalance/phonebalance/server/httpedge"
)

// The inbox and the SIP gateway are joined only when the gateway carries
// media; until both are built, the page gets a clear not_available and
// nobody has another client.
func TestBrowserPhoneLink(t *testing.T) {
	if newBrowserPhone(config{}) != nil {
		t.Error("linked without -sip")
	}
	if newBrowserPhone(config{sip: "127.0.0.1:0", sipMedia: false}) != nil {
		t.Error("linked with -sip-media=false")
	}
	p := newBrowserPhone(config{sip: "127.0.0.1:0", sipMedia: true})
	if p == nil {
		t.Fatal("not linked with -sip and -sip-media")
	}
	if _, err := p.callerAudio(context.Background(), "c1"); !errors.Is(err, httpedge.ErrUnavailable) {
		t.Errorf("callerAudio before the gateway: %v, want ErrUnavailable", err)
	}
	if p.clientOpen("ana") {
		t.Error("a client open before the inbox")
	}
}
