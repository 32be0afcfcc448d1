package httpapi_test

import (
	"bytes"
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/channelgrouping/grouping/httpapi"
	"github.com/channelgrouping/grouping/httpapi/jwtauth"
	"github.com/channelgrouping/grouping/memstore"
)

// The generator the test runs, and the runtime module its clients import.
// .ci/run builds the generator before the tests, so that this test finds
// it in the build cache.
const (
	oapiCodegen        = "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen@v2.8.2"
	oapiRuntime        = "github.com/oapi-codegen/runtime@v1.9.0"
	generatedClientPkg = "client"
)

// untypedOnPurpose lists the generated fields that are untyped because the
// document means any JSON there: the body of GET /openapi.json, which is
// the document itself.
var untypedOnPurpose = []string{"GetOpenAPIResponse.JSON200"}

// TestGeneratedGoClient generates a Go client from the document an API
// serves with oapi-codegen, compiles it, and fails if a generated field is
// untyped (interface{}) where the document means a typed value. It needs
// the Go module proxy, or a module cache that holds the generator; without
// either it is skipped.
func TestGeneratedGoClient(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and compiles a client with oapi-codegen")
	}
	auth, err := jwtauth.New(jwtauth.HS256([]byte("test secret of at least thirty-two bytes")))
	if err != nil {
		t.Fatal(err)
	}
	api, err := httpapi.New(memstore.New(), httpapi.WithAuthenticator(auth))
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	api.ServeHTTP(rec, httptest.NewRequest("GET", "/openapi.json", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /openapi.json: status %d", rec.Code)
	}

	dir := t.TempDir()
	write := func(name string, b []byte) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("openapi.json", rec.Body.Bytes())
	write("go.mod", []byte("module example.com/generated\n\ngo 1.24\n"))

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin := filepath.Join(dir, "bin")
	run := func(offline bool, name string, args ...string) ([]byte, error) {
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local", "GOBIN="+bin)
		if offline {
			cmd.Env = append(cmd.Env, "GOPROXY=off")
		}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		return out.Bytes(), err
	}

	// Fetching is the only step that may reach the network.
	for _, args := range [][]string{{"get", oapiRuntime}, {"install", oapiCodegen}} {
		if out, err := run(false, "go", args...); err != nil {
			t.Skipf("skipped: go %s failed, the module proxy is unreachable or the module cache lacks it: %s",
				strings.Join(args, " "), lastLine(out))
		}
	}
	if out, err := run(true, filepath.Join(bin, "oapi-codegen"), "-generate", "types,client", "-package", generatedClientPkg,
		"-o", filepath.Join(generatedClientPkg, "client.go"), "openapi.json"); err != nil {
		t.Fatalf("oapi-codegen: %v\n%s", err, out)
	}
	if out, err := run(true, "go", "build", "./..."); err != nil {
		t.Fatalf("the generated client does not compile: %v\n%s", err, out)
	}

	fields, err := untypedFields(filepath.Join(dir, generatedClientPkg, "client.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fields {
		if !slices.Contains(untypedOnPurpose, f) {
			t.Errorf("generated %s is untyped (interface{}) where the document means a typed value", f)
		}
	}
	for _, f := range untypedOnPurpose {
		if !slices.Contains(fields, f) {
			t.Errorf("generated %s is typed now: take it off untypedOnPurpose", f)
		}
	}
}

// untypedFields returns the fields (as Type.Field) and the types of the Go
// file at path whose type is or holds an empty interface.
func untypedFields(path string) ([]string, error) {
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		return nil, err
	}
	var found []string
	for _, decl := range f.Decls {
		gen, ok := decl.(*ast.GenDecl)
		if !ok || gen.Tok != token.TYPE {
			continue
		}
		for _, spec := range gen.Specs {
			ts := spec.(*ast.TypeSpec)
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				if holdsEmptyInterface(ts.Type) {
					found = append(found, ts.Name.Name)
				}
				continue
			}
			for _, field := range st.Fields.List {
				if !holdsEmptyInterface(field.Type) {
					continue
				}
				for _, name := range field.Names {
					found = append(found, ts.Name.Name+"."+name.Name)
				}
			}
		}
	}
	return found, nil
}

// holdsEmptyInterface reports whether a type expression is interface{} or
// any, or a pointer, slice or map of one.
func holdsEmptyInterface(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.InterfaceType:
		return len(e.Methods.List) == 0
	case *ast.Ident:
		return e.Name == "any"
	case *ast.StarExpr:
		return holdsEmptyInterface(e.X)
	case *ast.ArrayType:
		return holdsEmptyInterface(e.Elt)
	case *ast.MapType:
		return holdsEmptyInterface(e.Key) || holdsEmptyInterface(e.Value)
	}
	return false
}

// lastLine returns the last non-empty line of out.
func lastLine(out []byte) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return lines[len(lines)-1]
}
