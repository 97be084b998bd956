// SHA-256 (FIPS 180-4), for content hashes of prompts and datasets, idempotency-key body
// fingerprints and hashed API tokens.
//
//   std::string hex = Sha256Hex("abc");  // "ba7816bf..."
//
//   Sha256 h;                             // incremental, for data that arrives in pieces
//   h.Update(part1);
//   h.Update(part2);
//   Sha256::Digest d = h.Finish();
//
// Not for passwords (no salt, no stretching): API tokens are long random strings, for which a
// plain hash is the usual choice.
//
// Thread safety: a Sha256 object is not shared; the free functions are pure.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace ballast {

class Sha256 {
 public:
  using Digest = std::array<uint8_t, 32>;

  Sha256();
  void Update(std::span<const uint8_t> data);
  void Update(std::string_view data);
  // Pads and returns the digest. The object is reset afterwards and may hash new data.
  Digest Finish();

 private:
  void Reset();
  void Block(const uint8_t* block);

  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> buffer_;
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

Sha256::Digest Sha256Digest(std::string_view data);
// Lower-case hex of the digest of `data`: 64 characters.
std::string Sha256Hex(std::string_view data);
// Lower-case hex of arbitrary bytes.
std::string HexEncode(std::span<const uint8_t> bytes);

}  // namespace ballast
