package catalog

import (
	"fmt"
	"slices"
	"strings"

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
		{Name: "t3.nano", VCPUs: 2, MemoryMiB: 512, BaseHourly: money.MustParse("0.0052")},
		{Name: "t3.micro", VCPUs: 2, MemoryMiB: 1024, BaseHourly: money.MustParse("0.0104")},
		{Name: "t3.small", VCPUs: 2, MemoryMiB: 2048, BaseHourly: money.MustParse("0.0208")},
		{Name: "t3.medium", VCPUs: 2, MemoryMiB: 4096, BaseHourly: money.MustParse("0.0416")},
		{Name: "t3.large", VCPUs: 2, MemoryMiB: 8192, BaseHourly: money.MustParse("0.0832")},
		{Name: "t3.xlarge", VCPUs: 4, MemoryMiB: 16384, BaseHourly: money.MustParse("0.1664")},
		{Name: "t3.2xlarge", VCPUs: 8, MemoryMiB: 32768, BaseHourly: money.MustParse("0.3328")},
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
	// Every one of these families is x86_64 and of the current generation,
	// as AWS lists them.
	for i := range out {
		current := true
		out[i].Architectures, out[i].CurrentGeneration = []string{"x86_64"}, &current
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
		for j, a := range t.Architectures {
			switch {
			case !slices.Contains(TypeArchitectures, a):
				p.add(fmt.Sprintf("%s.Architectures[%d]", f, j), "invalid_architecture", "must be one of %s, not %s", strings.Join(TypeArchitectures, ", "), quote(a))
			case slices.Contains(t.Architectures[:j], a):
				p.add(fmt.Sprintf("%s.Architectures[%d]", f, j), "duplicate", "repeats %s", a)
			}
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
