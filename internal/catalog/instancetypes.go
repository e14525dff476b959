package catalog

import (
	"fmt"

	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/money"
)

// Bounds of the operator's catalogue of instance types.
const (
	MaxCatalogueTypes = 2000
	MaxVCPUs          = 4096
	MaxMemoryMiB      = 64 << 20 // 64 TiB
)

// DefaultInstanceTypes is the built-in catalogue, used until the operator
// loads one (tollgate instance-types load): common burstable,
// general-purpose, compute- and memory-optimised types with their vCPUs,
// memory and, as the platform's base price per hour, the Linux on-demand
// price AWS lists for them in us-east-1.
func DefaultInstanceTypes() []InstanceType {
	out := []InstanceType{
		{"t3.nano", 2, 512, money.MustParse("0.0052")},
		{"t3.micro", 2, 1024, money.MustParse("0.0104")},
		{"t3.small", 2, 2048, money.MustParse("0.0208")},
		{"t3.medium", 2, 4096, money.MustParse("0.0416")},
		{"t3.large", 2, 8192, money.MustParse("0.0832")},
		{"t3.xlarge", 4, 16384, money.MustParse("0.1664")},
		{"t3.2xlarge", 8, 32768, money.MustParse("0.3328")},
	}
	for _, f := range []struct {
		family string
		// perVCPU is the price per vCPU-hour, and memory the MiB per vCPU:
		// within these families both scale with the size.
		perVCPU string
		memory  int
		sizes   []int // vCPUs of each size: 2 is a large, 4 an xlarge, 8 a 2xlarge, ...
	}{
		{"m5", "0.048", 4096, []int{2, 4, 8, 16, 32, 48, 64, 96}},
		{"c5", "0.0425", 2048, []int{2, 4, 8, 16, 36, 48, 72, 96}},
		{"r5", "0.063", 8192, []int{2, 4, 8, 16, 32, 48, 64, 96}},
		{"m6i", "0.048", 4096, []int{2, 4, 8, 16, 32, 48, 64, 96, 128}},
		{"c6i", "0.0425", 2048, []int{2, 4, 8, 16, 32, 48, 64, 96, 128}},
		{"r6i", "0.063", 8192, []int{2, 4, 8, 16, 32, 48, 64, 96, 128}},
	} {
		for _, vcpus := range f.sizes {
			hourly, _ := money.MustParse(f.perVCPU).Times(int64(vcpus))
			out = append(out, InstanceType{Name: f.family + "." + sizeName(vcpus), VCPUs: vcpus, MemoryMiB: f.memory * vcpus, BaseHourly: hourly})
		}
	}
	return out
}

// sizeName names the size of a type with vcpus vCPUs in the families
// above: large has 2, xlarge 4, and an Nxlarge 4N.
func sizeName(vcpus int) string {
	switch vcpus {
	case 2:
		return "large"
	case 4:
		return "xlarge"
	}
	return fmt.Sprintf("%dxlarge", vcpus/4)
}

// ValidateInstanceTypes checks a catalogue of instance types before it is
// loaded: 1 to MaxCatalogueTypes of them, each named like family.size and
// listed once, with 1 to MaxVCPUs vCPUs, 1 to MaxMemoryMiB MiB of memory
// and a base hourly price that is not negative. Field paths are those of
// the file "tollgate instance-types load" reads ("InstanceTypes[3].VCpus").
func ValidateInstanceTypes(types []InstanceType) error {
	var p problems
	switch {
	case len(types) == 0:
		p.add("InstanceTypes", "required", "needs at least one instance type")
	case len(types) > MaxCatalogueTypes:
		p.add("InstanceTypes", "too_many", "has %d instance types; at most %d are allowed", len(types), MaxCatalogueTypes)
	}
	seen := map[string]bool{}
	for i, t := range types {
		if len(types) > MaxCatalogueTypes {
			break
		}
		f := fmt.Sprintf("InstanceTypes[%d]", i)
		switch {
		case !ValidInstanceTypeName(t.Name):
			p.add(f+".Name", "invalid_instance_type", "must be an instance type name such as m5.large, not %s", quote(t.Name))
		case seen[t.Name]:
			p.add(f+".Name", "duplicate", "repeats %s", t.Name)
		}
		seen[t.Name] = true
		if t.VCPUs < 1 || t.VCPUs > MaxVCPUs {
			p.add(f+".VCpus", "out_of_range", "must be from 1 to %d, not %d", MaxVCPUs, t.VCPUs)
		}
		if t.MemoryMiB < 1 || t.MemoryMiB > MaxMemoryMiB {
			p.add(f+".MemoryMiB", "out_of_range", "must be from 1 to %d, not %d", MaxMemoryMiB, t.MemoryMiB)
		}
		switch {
		case t.BaseHourly < 0:
			p.add(f+".BaseHourly", "negative", "must not be negative")
		case t.BaseHourly > money.Max:
			p.add(f+".BaseHourly", "too_large", "must be at most %s", money.Max)
		}
	}
	return fault.InvalidFields(p)
}
