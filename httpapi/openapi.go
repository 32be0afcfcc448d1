package httpapi

import (
	_ "embed"
	"slices"
)

//go:embed openapi.json
var openAPIDocument []byte

// OpenAPI returns the OpenAPI 3.1 document that describes every route of the
// API, with its parameters, bodies, responses and errors, as JSON. Its paths
// are relative to the prefix the API is mounted under. The API also serves it
// at /openapi.json, without credentials.
//
// Each call returns a new copy, which the caller may change.
func OpenAPI() []byte {
	return slices.Clone(openAPIDocument)
}
