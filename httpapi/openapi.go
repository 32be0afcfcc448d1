package httpapi

import (
	_ "embed"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
)

//go:embed openapi.json
var openAPIDocument []byte

// OpenAPI returns the OpenAPI 3.1 document that describes every route an
// API can serve, with its parameters, bodies, responses and errors, as
// JSON: the extension routes included, and authentication by the bearer
// JWTs of package jwtauth. Its paths are relative to the prefix the API is
// mounted under. [API.OpenAPI] returns the document of one API as it
// serves it.
//
// Each call returns a new copy, which the caller may change.
func OpenAPI() []byte {
	return slices.Clone(openAPIDocument)
}

// OpenAPI returns the OpenAPI 3.1 document a serves at GET
// {prefix}/openapi.json: the package's [OpenAPI] document made to describe
// a as configured. Its server URL is a's prefix ("/" without one); with
// [WithoutExtensions] it lists none of the extension routes; its security
// scheme and the WWW-Authenticate header of its 401 answers are a's
// [SecurityScheme]; with [WithoutAuthentication] it declares no security,
// no 401 or 403 answers, and the user_id query parameter of the
// discoverable-channels route as required. Components and tags that nothing
// uses are left out.
//
// Each call returns a new copy, which the caller may change.
func (a *API) OpenAPI() []byte {
	return slices.Clone(a.document)
}

// embeddedDocument is the embedded document, parsed once; every API
// changes a copy of it.
var embeddedDocument = sync.OnceValues(func() (any, error) { return parseJSON(openAPIDocument) })

// The operations of a path item, by their lowercase method.
var operationKeys = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// The responses the document promises for requests that match no route;
// they stay in every served document.
var unknownRouteResponses = []string{
	"#/components/responses/OrgNotFound",
	"#/components/responses/OrgMethodNotAllowed",
	"#/components/responses/WorkspaceNotFound",
	"#/components/responses/WorkspaceMethodNotAllowed",
}

const openModeUserIDRef = "#/components/parameters/OpenModeUserId"

// servedDocument returns the document of an API with the given prefix,
// extension routes on or off, event routes on or off, authentication off
// (open) or by scheme.
func servedDocument(prefix string, extensions, events, open bool, scheme SecurityScheme) ([]byte, error) {
	v, err := embeddedDocument()
	if err != nil {
		return nil, err
	}
	doc, ok := cloneJSON(v).(*jsonObject)
	if !ok {
		return nil, errors.New("the document is not a JSON object")
	}
	components := doc.object("components")
	info := doc.object("info")
	if components == nil || info == nil || doc.object("paths") == nil {
		return nil, errors.New("the document lacks info, paths or components")
	}

	url := prefix
	if url == "" {
		url = "/"
	}
	doc.set("servers", []any{newJSONObject(
		"url", url,
		"description", "Where the API is mounted on this server.",
	)})

	if !extensions {
		if err := replaceParagraph(info, "Extension routes,",
			"The extension routes (mirroring, reordering, changing channel groups, and change events) are switched off on this server."); err != nil {
			return nil, err
		}
	}
	if !events {
		with := "This server's store keeps no change events: the event routes are not served."
		if !extensions {
			with = "" // said with the extension routes
		}
		if err := replaceParagraph(info, "Change events (", with); err != nil {
			return nil, err
		}
	}
	forEachOperation(doc, func(path string, item *jsonObject, method string, op *jsonObject) {
		if (!extensions && op.get("x-extension") == true) || (!events && op.get("x-events") == true) {
			item.delete(method)
			return
		}
		if open {
			responses := op.object("responses")
			responses.delete("401")
			responses.delete("403")
			return
		}
		if params, ok := op.get("parameters").([]any); ok {
			op.set("parameters", slices.DeleteFunc(params, func(p any) bool {
				ref, _ := p.(*jsonObject).get("$ref").(string)
				return ref == openModeUserIDRef
			}))
		}
	})
	paths := doc.object("paths")
	for _, path := range paths.keys() {
		item := paths.object(path)
		if !slices.ContainsFunc(item.keys(), func(k string) bool { return slices.Contains(operationKeys, k) }) {
			paths.delete(path)
		}
	}

	if open {
		if err := replaceParagraph(info, "Every route but /openapi.json needs credentials",
			"This server runs without authentication: no route needs credentials, every request may do every "+
				"action in every organisation and workspace, and the discoverable-channels route lists the channels of "+
				"the user named by its user_id query parameter."); err != nil {
			return nil, err
		}
		if err := replaceParagraph(info, "Every operation does one action",
			"Every operation does one action, given as \"x-action\": read, write-groups, write-channel-groups or "+
				"write-mirror. Without authentication, every action is allowed."); err != nil {
			return nil, err
		}
		doc.delete("security")
		components.delete("securitySchemes")
		if p := components.object("parameters").object("OpenModeUserId"); p != nil {
			p.set("required", true)
			p.set("description", "The user whose discoverable channels are listed, required as this server runs "+
				"without authentication: 400 naming user_id when it is absent, given twice or not a UUID.")
		}
	} else if err := declareScheme(doc, components, scheme); err != nil {
		return nil, err
	}

	pruneComponents(doc, unknownRouteResponses)
	pruneTags(doc)

	return indentedJSON(doc), nil
}

// declareScheme makes scheme the document's only security scheme, required
// by every operation that does not say otherwise, and describes its
// challenges in the WWW-Authenticate header of 401 answers.
func declareScheme(doc, components *jsonObject, scheme SecurityScheme) error {
	obj, err := toJSONValue(scheme.Scheme)
	if err != nil {
		return fmt.Errorf("security scheme %s: %w", scheme.Name, err)
	}
	components.set("securitySchemes", newJSONObject(scheme.Name, obj))
	doc.set("security", []any{newJSONObject(scheme.Name, []any{})})

	header := components.object("headers").object("WWW-Authenticate")
	if header == nil {
		return errors.New("the document has no WWW-Authenticate header")
	}
	var names []string
	for _, c := range []string{scheme.Challenge, scheme.InvalidChallenge} {
		if name := regexp.QuoteMeta(authScheme(c)); name != "" && !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	header.set("schema", newJSONObject(
		"type", "string",
		"pattern", "^("+strings.Join(names, "|")+")( |$)",
	))
	header.set("example", scheme.Challenge)
	return nil
}

// forEachOperation calls fn for every operation of the document's paths.
// fn may delete the operation from its path item.
func forEachOperation(doc *jsonObject, fn func(path string, item *jsonObject, method string, op *jsonObject)) {
	paths := doc.object("paths")
	for _, path := range paths.keys() {
		item := paths.object(path)
		for _, method := range item.keys() {
			if op := item.object(method); op != nil && slices.Contains(operationKeys, method) {
				fn(path, item, method, op)
			}
		}
	}
}

// replaceParagraph replaces the paragraph of info's description that starts
// with prefix; with "" removes it.
func replaceParagraph(info *jsonObject, prefix, with string) error {
	desc, _ := info.get("description").(string)
	paragraphs := strings.Split(desc, "\n\n")
	i := slices.IndexFunc(paragraphs, func(p string) bool { return strings.HasPrefix(p, prefix) })
	if i < 0 {
		return fmt.Errorf("the description has no paragraph starting %q", prefix)
	}
	paragraphs[i] = with
	if with == "" {
		paragraphs = slices.Delete(paragraphs, i, i+1)
	}
	info.set("description", strings.Join(paragraphs, "\n\n"))
	return nil
}

// pruneComponents removes the components that neither the rest of the
// document nor a used component refers to, except those in keep.
func pruneComponents(doc *jsonObject, keep []string) {
	components := doc.object("components")
	used := map[string]bool{}
	var queue []string
	use := func(ref string) {
		if strings.HasPrefix(ref, "#/components/") && !used[ref] {
			used[ref] = true
			queue = append(queue, ref)
		}
	}
	collect := func(v any) {
		walkJSON(v, func(o *jsonObject) {
			if ref, ok := o.get("$ref").(string); ok {
				use(ref)
			}
		})
	}
	for _, ref := range keep {
		use(ref)
	}
	for _, m := range doc.members {
		if m.key != "components" {
			collect(m.value)
		}
	}
	// Security requirements name schemes without a $ref.
	requirements, _ := doc.get("security").([]any)
	forEachOperation(doc, func(_ string, _ *jsonObject, _ string, op *jsonObject) {
		if s, ok := op.get("security").([]any); ok {
			requirements = append(requirements, s...)
		}
	})
	for _, r := range requirements {
		if r, ok := r.(*jsonObject); ok {
			for _, name := range r.keys() {
				use("#/components/securitySchemes/" + name)
			}
		}
	}
	for len(queue) > 0 {
		ref := queue[0]
		queue = queue[1:]
		kind, name, _ := strings.Cut(strings.TrimPrefix(ref, "#/components/"), "/")
		collect(components.object(kind).get(name))
	}
	for _, kind := range components.keys() {
		group := components.object(kind)
		for _, name := range group.keys() {
			if !used["#/components/"+kind+"/"+name] {
				group.delete(name)
			}
		}
		if len(group.keys()) == 0 {
			components.delete(kind)
		}
	}
}

// pruneTags removes the tags that no operation has.
func pruneTags(doc *jsonObject) {
	used := map[string]bool{}
	forEachOperation(doc, func(_ string, _ *jsonObject, _ string, op *jsonObject) {
		tags, _ := op.get("tags").([]any)
		for _, t := range tags {
			if s, ok := t.(string); ok {
				used[s] = true
			}
		}
	})
	tags, ok := doc.get("tags").([]any)
	if !ok {
		return
	}
	doc.set("tags", slices.DeleteFunc(tags, func(t any) bool {
		name, _ := t.(*jsonObject).get("name").(string)
		return !used[name]
	}))
}

// newJSONObject returns an object of the given key and value pairs.
func newJSONObject(kv ...any) *jsonObject {
	o := &jsonObject{}
	for i := 0; i+1 < len(kv); i += 2 {
		o.set(kv[i].(string), kv[i+1])
	}
	return o
}
