package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// version is the program's version. A release build sets it:
//
//	go build -ldflags "-X main.version=v1.2.3" ./examples/server
//
// Left empty, the version Go recorded in the binary is reported: the
// module's version for `go install …@v1.2.3`, a pseudo-version naming the
// commit for a build in a git checkout, or "devel".
var version string

// programVersion returns the version the program reports.
func programVersion() string {
	if version != "" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	v := "devel"
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			if len(s.Value) > 12 {
				s.Value = s.Value[:12]
			}
			v += "-" + s.Value
		case "vcs.modified":
			if s.Value == "true" {
				v += "+dirty"
			}
		}
	}
	return v
}

// runVersion prints the version, and the Go release and platform the
// program was built with.
func runVersion(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("version", "", "Prints the program's version, and the Go release and platform it was built with.", stderr)
	if err := parseArgs(fs, args, 0); err != nil {
		return err
	}
	_, err := fmt.Fprintf(stdout, "grouping server %s (%s %s/%s)\n", programVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return err
}
