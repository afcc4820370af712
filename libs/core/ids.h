#pragma once

#include <string>
#include <string_view>

namespace zs {

// `bytes` random bytes from a per-thread generator seeded by the OS, as lowercase hex.
// Not for secrets; for identifiers that must not collide across processes and nodes.
std::string RandomHex(int bytes);

// A resource id that carries its tenant so it stays unique when forwarded upward:
// "<tenant>-<kind>-<16 hex>", e.g. "430204-r-9f2c4e1a7b3d5e60".
std::string NewResourceId(std::string_view tenant, std::string_view kind);
// The same shape, derived from `key` (its SHA-256): a resource opened from another service's fact
// gets the same id however often — and after whatever restore — it is opened again.
std::string DerivedResourceId(std::string_view tenant, std::string_view kind, std::string_view key);

// A 128-bit random id in UUID text form (version 4), for events and traces.
std::string NewUuid();

}  // namespace zs
