package metrics

import (
	"reflect"
	"testing"
)

// acc holds exactly the fields of Figures, and mergeAcc carries each of
// them over: a field added to one and not the other fails here.
func TestAccMirrorsFigures(t *testing.T) {
	ft, at := reflect.TypeFor[Figures](), reflect.TypeFor[acc]()
	if ft.NumField() != at.NumField() {
		t.Fatalf("Figures has %d fields, acc %d", ft.NumField(), at.NumField())
	}
	var a acc
	av := reflect.ValueOf(&a).Elem()
	next := int64(1)
	set := func(v reflect.Value) {
		v.SetInt(next)
		next++
	}
	for i := range at.NumField() {
		f := at.Field(i)
		ff, ok := ft.FieldByName(f.Name)
		if !ok || ff.Type != f.Type {
			t.Fatalf("acc.%s %v has no match in Figures", f.Name, f.Type)
		}
		v := av.Field(i)
		switch f.Type.Kind() {
		case reflect.Struct:
			for j := range v.NumField() {
				set(v.Field(j))
			}
		case reflect.Array:
			for j := range v.Len() {
				set(v.Index(j))
			}
		default:
			set(v)
		}
	}
	var got Figures
	got.mergeAcc(&a)
	gv := reflect.ValueOf(got)
	for i := range at.NumField() {
		name := at.Field(i).Name
		if want, have := av.Field(i).Interface(), gv.FieldByName(name).Interface(); !reflect.DeepEqual(want, have) {
			t.Errorf("%s: got %v, want %v", name, have, want)
		}
	}
}
