package api

import (
	_ "embed"
	"net/http"
)

// openAPI is the OpenAPI 3 document of the whole API, kept with the code
// (openapi.json); the API's tests validate every request they send and
// every answer they get against it.
//
//go:embed openapi.json
var openAPI []byte

// OpenAPI returns the OpenAPI 3 document of the API (a copy).
func OpenAPI() []byte { return append([]byte(nil), openAPI...) }

// GET /v1/openapi.json
func (s *Server) openapi(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(openAPI)
}
