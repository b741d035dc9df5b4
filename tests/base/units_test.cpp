// Units: integer picosecond time, parsing at the config edge, and the error for bad text.
#include <gtest/gtest.h>

#include "trnsim/base/error.h"
#include "trnsim/base/units.h"

namespace trnsim {
namespace {

TEST(BaseUnits, ParsesSizesInDecimalAndBinaryUnits) {
  EXPECT_EQ(parse_bytes("24MiB").v, 24LL << 20);
  EXPECT_EQ(parse_bytes("96GiB").v, 96LL << 30);
  EXPECT_EQ(parse_bytes("2KB").v, 2000);
  EXPECT_EQ(parse_bytes(" 512 B ").v, 512);
}

TEST(BaseUnits, ParsesRatesFrequenciesAndDurations) {
  EXPECT_DOUBLE_EQ(parse_bandwidth("2.9TB/s").bytes_per_s, 2.9e12);
  EXPECT_DOUBLE_EQ(parse_bandwidth("3200Gbps").bytes_per_s, 400e9);
  EXPECT_DOUBLE_EQ(parse_bandwidth("1GiB/s").bytes_per_s, 1073741824.0);
  EXPECT_EQ(parse_frequency("2.4GHz").hz, 2400000000);
  EXPECT_EQ(parse_time("1300ns"), Time::ns(1300));
  EXPECT_EQ(parse_time("1.5us"), Time::ps(1500000));
}

TEST(BaseUnits, BadTextIsAnInputErrorListingTheForms) {
  for (const char* bad : {"", "GHz", "-1GHz", "2.4 furlongs", "nan GHz"}) {
    try {
      parse_frequency(bad);
      FAIL() << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInput);
      EXPECT_FALSE(e.hint().empty()) << bad;
    }
  }
}

TEST(BaseUnits, CyclesAndTransfersRoundUpToWholePicoseconds) {
  const Frequency f{2400000000};
  EXPECT_EQ(f.cycles(3), Time::ps(1250));  // 3 / 2.4 GHz = 1250 ps exactly
  EXPECT_EQ(f.cycles(1), Time::ps(417));   // 416.67 ps rounds up
  EXPECT_EQ(Bandwidth{1e12}.transfer(1000), Time::ps(1000));
  EXPECT_EQ(Bandwidth{3e12}.transfer(1), Time::ps(1));
  EXPECT_EQ(Bandwidth{0}.transfer(5), Time());
}

TEST(BaseUnits, TimeArithmeticIsExact) {
  Time t = Time::us(1) + Time::ns(1) - Time::ps(1);
  EXPECT_EQ(t.ps(), 1000999);
  EXPECT_EQ(max(Time::ns(3), Time::ns(2)), Time::ns(3));
  EXPECT_EQ(format_time(Time::ns(1500)), "1.500 us");
  EXPECT_EQ(format_bytes(3 << 20), "3.00 MiB");
}

TEST(BaseUnits, FormatBytesReachesPastInt64) {
  EXPECT_EQ(format_bytes(512), "512 B");
  EXPECT_EQ(format_bytes(1.5 * 1024.0 * 1024.0 * 1024.0 * 1024.0 * 1024.0), "1.50 PiB");
  EXPECT_EQ(format_bytes(2.0 * 1152921504606846976.0), "2.00 EiB");
  // Beyond what int64 holds (and beyond EiB): scientific, never a wrapped negative count.
  EXPECT_EQ(format_bytes(4.35e25), "4.35e+25 B");
}

}  // namespace
}  // namespace trnsim
