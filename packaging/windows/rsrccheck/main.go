// Command rsrccheck checks that a Windows executable carries the resources a
// release needs: an icon (types 3 and 14), version info (16) and a manifest
// (24); with a version argument, that the version info names it.
// scripts/wine-test.sh runs it on the release mangotqm.exe.
//
//	go run ./packaging/windows/rsrccheck mangotqm.exe [version]
package main

import (
	"bytes"
	"debug/pe"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"unicode/utf16"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: rsrccheck FILE.exe [version]")
		os.Exit(2)
	}
	version := ""
	if len(os.Args) > 2 {
		version = os.Args[2]
	}
	if err := check(os.Args[1], version); err != nil {
		fmt.Fprintln(os.Stderr, "rsrccheck:", err)
		os.Exit(1)
	}
}

var wanted = map[uint32]string{3: "icon", 14: "icon group", 16: "version info", 24: "manifest"}

func check(path, version string) error {
	f, err := pe.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sec := f.Section(".rsrc")
	if sec == nil {
		return errors.New("no .rsrc section: the exe has no icon, version info or manifest")
	}
	data, err := sec.Data()
	if err != nil {
		return fmt.Errorf("read .rsrc: %w", err)
	}
	types, err := rootTypes(data)
	if err != nil {
		return err
	}
	for id, name := range wanted {
		if !types[id] {
			return fmt.Errorf("no %s resource (type %d)", name, id)
		}
	}
	if version != "" && !bytes.Contains(data, utf16le(version)) {
		return fmt.Errorf("the version info does not name version %s", version)
	}
	fmt.Println("resources: icon, version info, manifest")
	return nil
}

// rootTypes lists the numeric resource types of the root resource directory.
func rootTypes(d []byte) (map[uint32]bool, error) {
	if len(d) < 16 {
		return nil, errors.New(".rsrc too short")
	}
	named := int(binary.LittleEndian.Uint16(d[12:]))
	ids := int(binary.LittleEndian.Uint16(d[14:]))
	types := map[uint32]bool{}
	for i := 0; i < named+ids; i++ {
		off := 16 + 8*i
		if off+8 > len(d) {
			return nil, errors.New(".rsrc directory truncated")
		}
		name := binary.LittleEndian.Uint32(d[off:])
		if name&0x80000000 == 0 {
			types[name&0xffff] = true
		}
	}
	return types, nil
}

func utf16le(s string) []byte {
	var b bytes.Buffer
	for _, u := range utf16.Encode([]rune(s)) {
		_ = binary.Write(&b, binary.LittleEndian, u)
	}
	return b.Bytes()
}
