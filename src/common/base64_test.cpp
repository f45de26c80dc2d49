#include "common/base64.hpp"

#include <gtest/gtest.h>

namespace berth {
namespace {

// The test vectors of RFC 4648 section 10.
TEST(Base64, EncodesRfcVectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
}

TEST(Base64, DecodesRfcVectors) {
  EXPECT_EQ(base64_decode(""), "");
  EXPECT_EQ(base64_decode("Zg=="), "f");
  EXPECT_EQ(base64_decode("Zm8="), "fo");
  EXPECT_EQ(base64_decode("Zm9v"), "foo");
  EXPECT_EQ(base64_decode("Zm9vYg=="), "foob");
  EXPECT_EQ(base64_decode("Zm9vYmE="), "fooba");
  EXPECT_EQ(base64_decode("Zm9vYmFy"), "foobar");
}

TEST(Base64, DecodesWithoutPadding) {
  EXPECT_EQ(base64_decode("Zg"), "f");
  EXPECT_EQ(base64_decode("Zm8"), "fo");
}

TEST(Base64, RoundTripsEveryByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (std::size_t length = 0; length <= all.size(); length += 37) {
    std::string data = all.substr(0, length);
    EXPECT_EQ(base64_decode(base64_encode(data)), data) << "length " << length;
  }
  EXPECT_EQ(base64_encode("\xff\xfe\xfd"), "//79");
}

TEST(Base64, RejectsInvalidText) {
  EXPECT_EQ(base64_decode("Zm9v!"), std::nullopt) << "character outside the alphabet";
  EXPECT_EQ(base64_decode("Zm 9v"), std::nullopt) << "space";
  EXPECT_EQ(base64_decode("Z"), std::nullopt) << "single leftover character";
  EXPECT_EQ(base64_decode("Zm9vY"), std::nullopt) << "five characters";
  EXPECT_EQ(base64_decode("Zg=a"), std::nullopt) << "padding inside";
  EXPECT_EQ(base64_decode("Zg="), std::nullopt) << "padding that does not complete a group";
  EXPECT_EQ(base64_decode("Zg==="), std::nullopt) << "three padding characters";
  EXPECT_EQ(base64_decode("Zm9v-_"), std::nullopt) << "URL-safe alphabet";
}

}  // namespace
}  // namespace berth
