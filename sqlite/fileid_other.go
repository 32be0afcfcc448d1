//go:build !unix

package sqlite

import "os"

// fileIdentity is what tells one file from another.
type fileIdentity struct{ fi os.FileInfo }

// identify returns the identity of the file at path, with the error of
// os.Stat when there is none.
func identify(path string) (fileIdentity, error) {
	fi, err := os.Stat(path)
	return fileIdentity{fi}, err
}

func (a fileIdentity) same(b fileIdentity) bool { return os.SameFile(a.fi, b.fi) }
