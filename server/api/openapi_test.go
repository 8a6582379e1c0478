package api_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/phonebalance/phonebalance/server/api"
)

// The OpenAPI document (api.OpenAPI) is checked against every request the
// API's tests send and every answer they get: httpClient and
// http.DefaultClient go through validating, and TestMain fails the run on
// any violation. A request the document refuses must be refused by the
// server too (4xx); every answer must match the document.

var (
	specRouter routers.Router
	violations struct {
		sync.Mutex
		list []string
	}
)

// standInHeader marks the answers of a test's stand-in for a node.
const standInHeader = "X-Test-Stand-In"

func violation(format string, args ...any) {
	violations.Lock()
	defer violations.Unlock()
	violations.list = append(violations.list, fmt.Sprintf(format, args...))
}

func init() {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(api.OpenAPI())
	if err != nil {
		panic(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		panic(err)
	}
	if specRouter, err = gorillamux.NewRouter(doc); err != nil {
		panic(err)
	}
	httpClient.Transport = validating{http.DefaultTransport}
	http.DefaultClient.Transport = validating{http.DefaultTransport}
}

// validating is an http.RoundTripper that checks requests and answers
// against the document.
type validating struct{ next http.RoundTripper }

func (v validating) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	route, params, routeErr := specRouter.FindRoute(req)
	var in *openapi3filter.RequestValidationInput
	var reqErr error
	if routeErr == nil {
		check := req.Clone(req.Context())
		check.Body = io.NopCloser(bytes.NewReader(body))
		// The server reads a body without Content-Type, or with curl's
		// default form type, as JSON (httpedge.DecodeJSON; the document
		// says so).
		if ct, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type")); len(body) > 0 && (ct == "" || ct == "application/x-www-form-urlencoded") {
			check.Header.Set("Content-Type", "application/json")
		}
		in = &openapi3filter.RequestValidationInput{Request: check, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: false}}
		reqErr = openapi3filter.ValidateRequest(req.Context(), in)
	}
	resp, err := v.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	what := req.Method + " " + req.URL.RequestURI()
	if resp.Header.Get(standInHeader) != "" {
		return resp, nil // a test's stand-in for a node, not the server
	}
	if routeErr != nil {
		// Not in the document: only the unversioned pages, /metrics, or a
		// path the server refuses as well.
		if strings.HasPrefix(req.URL.Path, "/v1/") && resp.StatusCode < 400 {
			violation("%s: %d, but the document has no such operation", what, resp.StatusCode)
		}
		return resp, nil
	}
	if reqErr != nil && resp.StatusCode < 400 {
		violation("%s %.200s: the document refuses the request (%v) but the server answered %d", what, body, reqErr, resp.StatusCode)
	}
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if ct == "text/event-stream" || req.Method == http.MethodHead {
		return resp, nil // a stream: its events are WebhookEffects (checked by the stream tests)
	}
	rb, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(rb))
	if err != nil {
		return resp, nil
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode,
		Header: resp.Header, Body: io.NopCloser(bytes.NewReader(rb)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	if err := openapi3filter.ValidateResponse(req.Context(), out); err != nil {
		violation("%s: answer %d %.300s does not match the document: %v", what, resp.StatusCode, rb, err)
	}
	return resp, nil
}

// checked runs the tests, then fails the run if any request or answer
// did not match the document.
type checked struct{ m *testing.M }

func (c checked) Run() int {
	code := c.m.Run()
	violations.Lock()
	defer violations.Unlock()
	for _, v := range violations.list {
		fmt.Println("OpenAPI:", v)
	}
	if len(violations.list) > 0 && code == 0 {
		fmt.Printf("FAIL: %d requests or answers do not match server/api/openapi.json\n", len(violations.list))
		return 1
	}
	return code
}

// The document is served at /v1/openapi.json as it is kept.
func TestOpenAPIServed(t *testing.T) {
	e := newEnv(t, nil, api.Config{})
	body := e.c.do("GET", "/v1/openapi.json", "", http.StatusOK, nil)
	if body != string(api.OpenAPI()) {
		t.Fatal("the served document differs from the embedded one")
	}
}
