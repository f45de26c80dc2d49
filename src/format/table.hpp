#pragma once

#include <string>
#include <vector>

namespace berth::format {

// Lays out rows in columns the way Podman's tables do (Go's tabwriter with
// a minimum cell width of 12 and two spaces of padding); the last column is
// not padded.
std::string render_table(const std::vector<std::vector<std::string>>& rows);

// Formats a byte count like Go's units.HumanSizeWithPrecision(n, 3), as
// Podman prints SIZE: "4.27 MB", "150 MB", "1.23 kB", "512 B" (decimal units).
std::string human_size(double bytes);

}  // namespace berth::format
