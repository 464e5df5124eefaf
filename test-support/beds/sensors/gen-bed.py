#!/usr/bin/env python3
"""Generate the sensor/SEL/FRU test bed for OpenIPMI's ipmi_sim.

One table below describes every SDR, sensor value, SEL entry and FRU image.
From it this script writes, next to itself:

  sensors.sdrs  SDR source for OpenIPMI's sdrcomp (main repository of 0x20)
  sim.emu       ipmi_sim command file: MCs, sensors, values, thresholds,
                device SDRs of the satellite, FRU data
  sdr.20.main   the compiled main SDR repository in ipmi_sim's persistence
                format (sdrcomp output plus the OEM records sdrcomp cannot
                express, with a fixed "last add" time)
  sel.20        the SEL in ipmi_sim's persistence format (fixed timestamps)
  fru/*.bin     the FRU inventory images (also inlined in sim.emu)
  qemu/sdr.bin  the same main SDRs for QEMU's ipmi-bmc-sim sdrfile=
  qemu/fru.bin  the BMC's FRU images for ipmi-bmc-sim frudatafile=

Install sdr.20.main and sel.20 as STATEDIR/ipmi_sim/<name>/ (name from
lan.conf) before starting `ipmi_sim -c lan.conf -f sim.emu -s STATEDIR -n`.
Needs python3 and sdrcomp (package openipmi). Output is deterministic.
Run: python3 test-support/beds/sensors/gen-bed.py
"""

import os
import struct
import subprocess
import sys
import tempfile
from datetime import datetime, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
BMC = 0x20
SAT = 0x30

# Fixed repository/SEL times (seconds since 1970, UTC).
SDR_LAST_ADD = 1704067200  # 2024-01-01 00:00:00
SEL_BASE = 1709251200  # 2024-03-01 00:00:00
SEL_LAST_ERASE = 1709164800  # 2024-02-29 00:00:00
QEMU_FRU_AREA = 1024  # ipmi-bmc-sim fruareasize default

# ------------------------------------------------------------------ sensors
# Threshold sensors: raw thresholds, None = not supported/readable.
# Order of T: (lnr, lc, lnc, unc, uc, unr).
ENT = {
    "processor": 3, "system_board": 7, "memory_module": 8, "power_supply": 10,
    "system_chassis": 23, "fan_cooling_device": 29, "external_environment": 39,
    "battery": 40, "power_unit": 19, "add-in_card": 11, "disk_or_disk_bay": 4,
    "system_management_module": 6,
}
DEGC, VOLTS, AMPS, WATTS, CFM, RPM, UNSPEC = 1, 4, 5, 6, 17, 18, 0


def T(lnr=None, lc=None, lnc=None, unc=None, uc=None, unr=None):
    return (lnr, lc, lnc, unc, uc, unr)


TEMP_T = T(5, 10, 15, 80, 90, 100)
# fields: owner, lun, num, name, stype, entity, inst, unit, fmt, lin, m, b,
#         bexp, rexp, value (None = no sensor_add: reading unavailable),
#         thresholds, hysteresis (pos, neg), scan, nominal, smin, smax,
#         percentage, tolerance, accuracy
FULL = []


def full(num, name, stype, ent, inst, unit, value, thr=T(), m=1, b=0, bexp=0,
         rexp=0, fmt="unsigned", lin="linear", owner=BMC, lun=0, hyst=(2, 2),
         scan=True, nominal=None, smin=0, smax=255, percentage=False,
         tolerance=0, accuracy=0):
    FULL.append(dict(owner=owner, lun=lun, num=num, name=name, stype=stype,
                     entity=ENT[ent], inst=inst, unit=unit, fmt=fmt, lin=lin,
                     m=m, b=b, bexp=bexp, rexp=rexp, value=value, thr=thr,
                     hyst=hyst, scan=scan, nominal=nominal, smin=smin,
                     smax=smax, percentage=percentage, tolerance=tolerance,
                     accuracy=accuracy))


TEMP, VOLT, CURR, FAN = 1, 2, 3, 4
# Temperatures, one per threshold status.
full(1, "CPU1 Temp", TEMP, "processor", 1, DEGC, 45, TEMP_T, nominal=40)  # ok
full(2, "CPU2 Temp", TEMP, "processor", 2, DEGC, 84, TEMP_T)  # unc
full(3, "DIMM Temp", TEMP, "memory_module", 1, DEGC, 93, TEMP_T)  # ucr
full(4, "PCH Temp", TEMP, "system_board", 1, DEGC, 104, TEMP_T)  # unr
full(5, "Inlet Temp", TEMP, "external_environment", 1, DEGC, 14, TEMP_T)  # lnc
full(6, "Exhaust Temp", TEMP, "system_board", 2, DEGC, 9, TEMP_T)  # lcr
full(7, "Ambient Temp", TEMP, "external_environment", 2, DEGC, 3, TEMP_T)  # lnr
# Signed formats. ipmi_sim compares raw bytes unsigned, so the thresholds
# are chosen where unsigned and signed order agree.
full(8, "Board Temp", TEMP, "system_board", 1, DEGC, 30, T(unc=70, uc=80, unr=90),
     fmt="2s_complement", smin=0x80, smax=0x7F)  # +30 ok
full(9, "Outside Temp", TEMP, "external_environment", 3, DEGC, 0xE7,
     T(lnr=0xD8, lc=0xE2, lnc=0xEC), fmt="2s_complement", smin=0x80,
     smax=0x7F)  # -25 lnc (-40/-30/-20)
full(10, "Delta Temp", TEMP, "system_board", 1, DEGC, 0xF5, fmt="1s_complement",
     smin=0x80, smax=0x7F)  # -10 in 1's complement, no thresholds
# Voltages; all-capital names are packed 6-bit by sdrcomp, "1.05" BCD plus.
V12 = T(170, 180, 190, 210, 220, 230)
full(16, "P12V", VOLT, "system_board", 1, VOLTS, 200, V12, m=6, rexp=-2,
     nominal=200, tolerance=2, accuracy=100)  # 12.00 ok
full(17, "P5V Rail", VOLT, "system_board", 1, VOLTS, 177, T(150, 155, 160, 175, 180, 185),
     m=3, rexp=-2)  # 5.31 unc
full(18, "Vcc 3.3V", VOLT, "system_board", 1, VOLTS, 146, T(140, 148, 157, 173, 181, 190),
     m=2, rexp=-2)  # 2.92 lcr
full(19, "Vbat", VOLT, "battery", 1, VOLTS, 150, T(lc=125, lnc=135), m=2, rexp=-2)
full(20, "CPU1 VCore", VOLT, "processor", 1, VOLTS, 160, T(lnc=120, unc=220),
     m=5, b=10, bexp=0, rexp=-3)  # (5*160+10)/1000 = 0.810
full(21, "1.05", VOLT, "system_board", 1, VOLTS, 105, m=1, rexp=-2)
full(22, "P1V8 Aux", VOLT, "system_board", 1, VOLTS, 90, T(72, 77, 81, 99, 103, 108),
     m=2, rexp=-2)
# Fans (lower thresholds only).
FAN_T = T(lnr=5, lc=10, lnc=20)
full(32, "FAN1", FAN, "fan_cooling_device", 1, RPM, 100, FAN_T, m=60)  # ok
full(33, "Fan2", FAN, "fan_cooling_device", 2, RPM, 9, FAN_T, m=60)  # lcr
full(34, "Fan 3", FAN, "fan_cooling_device", 3, RPM, 4, FAN_T, m=60)  # lnr
full(35, "Fan 4 Rear", FAN, "fan_cooling_device", 4, RPM, None, FAN_T, m=60)  # no reading
# Current, power.
full(40, "PSU1 Current", CURR, "power_supply", 1, AMPS, 85, T(unc=150, uc=180, unr=200),
     rexp=-1)
full(41, "PSU1 Power", 0x0B, "power_supply", 1, WATTS, 100, T(unc=190, uc=210, unr=230),
     m=4)
full(42, "Sys Power", 0x0B, "system_board", 1, WATTS, 245, T(unc=230, uc=240, unr=250),
     m=10)  # ucr
# Non-linear conversions.
full(43, "Air Flow", 0x0B, "system_board", 1, CFM, 144, T(unc=225), lin="sqrt(x)")
full(44, "Pump Speed", 0x0B, "system_board", 1, RPM, 50, lin="non-linear")
full(45, "Inlet Humidity", 0x0B, "external_environment", 1, UNSPEC, 40,
     T(unc=80, uc=90), percentage=True)
# Reading unavailable (SDR, no sensor): Get Sensor Reading answers 0xCC.
full(46, "PSU2 Temp", TEMP, "power_supply", 2, DEGC, None, TEMP_T)
# Scanning disabled by the SDR's default.
full(47, "Spare Temp", TEMP, "system_board", 3, DEGC, 30, TEMP_T, scan=False)
# A sensor on LUN 1.
full(48, "LUN1 Temp", TEMP, "system_board", 1, DEGC, 33, TEMP_T, lun=1)
# Satellite controller 0x30 (read by bridging).
full(1, "Sat Temp", TEMP, "add-in_card", 1, DEGC, 50, T(unc=70, uc=80, unr=90), owner=SAT)
full(2, "Sat 12V", VOLT, "add-in_card", 1, VOLTS, 215, V12, m=6, rexp=-2, owner=SAT)  # unc
full(4, "Sat No Sensor", TEMP, "add-in_card", 1, DEGC, None, TEMP_T, owner=SAT)

# Discrete compact sensors: (owner, num, name, stype, er, ent, inst, bits set,
# states supported mask, share count, instance modifier, event-only?)
COMPACT = []


def compact(num, name, stype, er, ent, inst, bits, supported, owner=BMC,
            share=1):
    COMPACT.append(dict(owner=owner, num=num, name=name, stype=stype, er=er,
                        entity=ENT[ent], inst=inst, bits=bits,
                        supported=supported, share=share))


compact(64, "PS1 Status", 0x08, 0x6F, "power_supply", 1, [0], 0x007F)
compact(65, "PS2 Status", 0x08, 0x6F, "power_supply", 2, [0, 1], 0x007F)
compact(66, "CPU1 Status", 0x07, 0x6F, "processor", 1, [7], 0x0FFF)
compact(67, "CPU2 Status", 0x07, 0x6F, "processor", 2, [], 0x0FFF)
compact(68, "INTRUSION", 0x05, 0x6F, "system_chassis", 1, [0], 0x007F)
compact(69, "Dimm ", 0x0C, 0x6F, "memory_module", 1, [6], 0x07FF, share=4)
compact(73, "PS Redundancy", 0x09, 0x0B, "power_unit", 1, [0], 0x00FF)
compact(74, "ACPI State", 0x22, 0x6F, "system_board", 1, [0], 0x3FFF)
compact(75, "Drive 0", 0x0D, 0x6F, "disk_or_disk_bay", 1, [0], 0x01FF)
compact(76, "CPU Throttle", 0x07, 0x03, "processor", 1, [1], 0x0003)
compact(3, "Sat PS Status", 0x08, 0x6F, "add-in_card", 1, [0], 0x007F, owner=SAT)

# Event-only records: (num, name, stype, er, entity, inst). Sensor 0 is
# ipmi_sim's watchdog sensor (added event-only).
EVENT_ONLY = [
    (0, "Watchdog", 0x23, 0x6F, "system_management_module", 1),
    (80, "SEL Fullness", 0x10, 0x6F, "system_board", 1),
    (81, "Sys Event", 0x12, 0x6F, "system_board", 1),
    (82, "Power Button", 0x14, 0x6F, "system_chassis", 1),
    (83, "BIOS Progress", 0x0F, 0x6F, "system_board", 1),
]

LIN = {"linear": 0, "sqrt(x)": 10, "non-linear": 0x70}  # numbers: sdrcomp's names for 8..12 are off by one


def sdr_full(s):
    lnr, lc, lnc, unc, uc, unr = s["thr"]
    has = {"lnr": lnr, "lc": lc, "lnc": lnc, "unc": unc, "uc": uc, "unr": unr}
    L = ["sdr type 1",
         f"\tsensor_owner_id\t\t0x{s['owner']:02x}",
         f"\tsensor_owner_lun\t{s['lun']}",
         "\tchannel_number\t\t0",
         f"\tsensor_number\t\t{s['num']}",
         f"\tentity_id\t\t{s['entity']}",
         f"\tentity_instance\t\t{s['inst']}",
         "\tinit_scanning\t\ttrue",
         "\tinit_events\t\ttrue",
         "\tinit_hysteresis\t\ttrue",
         "\tinit_sensor_type\ttrue",
         "\tdefault_event_gen_on\ttrue",
         f"\tdefault_sensor_scan_on\t{'true' if s['scan'] else 'false'}",
         "\tsensor_auto_rearm\ttrue",
         "\tsensor_hysteresis\treadable",
         f"\tsensor_threshold_access\t{'readable' if any(v is not None for v in has.values()) else 'no'}",
         "\tsensor_event_msg_ctrl\tper_state",
         f"\tsensor_type\t\t{s['stype']}",
         "\tevent_reading_type_code\t1"]
    low = {"lnc": "lncgl", "lc": "lcgl", "lnr": "lnrgl"}
    high = {"unc": "uncgh", "uc": "ucgh", "unr": "unrgh"}
    for k, v in has.items():
        if v is None:
            continue
        bit = low.get(k) or high.get(k)
        L.append(f"\tassert_{bit}\t\ttrue")
        L.append(f"\tdeassert_{bit}\t\ttrue")
        L.append(f"\t{k}_thrsh_readable\ttrue")
    for k in ("lnr", "lc", "lnc"):
        if has[k] is not None:
            L.append(f"\treturn_{k}\t\ttrue")
    for k in ("unr", "uc", "unc"):
        if has[k] is not None:
            L.append(f"\treturn_{k}\t\ttrue")
    L += [f"\tanalog_data_format\t{s['fmt']}",
          "\trate_unit\t\tnone",
          "\tmodifier_unit\t\tnone",
          f"\tpercentage\t\t{'true' if s['percentage'] else 'false'}",
          f"\tbase_unit\t\t{s['unit']}",
          "\tmodifier_unit_code\t0",
          f"\tlinearization\t\t{LIN[s['lin']]}",
          f"\tm\t\t\t{s['m']}",
          f"\ttolerance\t\t{s['tolerance']}",
          f"\tb\t\t\t{s['b']}",
          f"\taccuracy\t\t{s['accuracy']}",
          "\taccuracy_exp\t\t0",
          "\tsensor_direction\tinput",
          f"\tr_exp\t\t\t{s['rexp']}",
          f"\tb_exp\t\t\t{s['bexp']}"]
    if s["nominal"] is not None:
        L += ["\tnominal_specified\ttrue", f"\tnominal_reading\t\t{s['nominal']}"]
    L += [f"\tsensor_maximum\t\t{s['smax']}", f"\tsensor_minimum\t\t{s['smin']}"]
    for k in ("unr", "uc", "unc", "lnr", "lc", "lnc"):
        if has[k] is not None:
            L.append(f"\t{k}_thresh\t\t{has[k]}")
    L += [f"\tpositive_hysteresis\t{s['hyst'][0]}",
          f"\tnegative_hysteresis\t{s['hyst'][1]}",
          f"\tid_string\t\t\"{s['name']}\"",
          "endsdr", ""]
    return "\n".join(L)


def sdr_compact(c):
    L = ["sdr type 2",
         f"\tsensor_owner_id\t\t0x{c['owner']:02x}",
         "\tsensor_owner_lun\t0",
         "\tchannel_number\t\t0",
         f"\tsensor_number\t\t{c['num']}",
         f"\tentity_id\t\t{c['entity']}",
         f"\tentity_instance\t\t{c['inst']}",
         "\tinit_scanning\t\ttrue",
         "\tinit_events\t\ttrue",
         "\tinit_sensor_type\ttrue",
         "\tdefault_event_gen_on\ttrue",
         "\tdefault_sensor_scan_on\ttrue",
         "\tsensor_auto_rearm\ttrue",
         f"\tsensor_type\t\t{c['stype']}",
         f"\tevent_reading_type_code\t0x{c['er']:02x}"]
    for i in range(15):
        if c["supported"] >> i & 1:
            L += [f"\tassert_event{i}\t\ttrue", f"\tdeassert_event{i}\t\ttrue",
                  f"\tevent{i}_state_ret\ttrue"]
    if c["share"] > 1:
        L += ["\tid_string_modifier\talpha", f"\tshare_count\t\t{c['share']}",
              "\tentity_instance_incr\ttrue"]
    L += [f"\tid_string\t\t\"{c['name']}\"", "endsdr", ""]
    return "\n".join(L)


def sdr_event_only(e):
    num, name, stype, er, ent, inst = e
    return "\n".join([
        "sdr type 3",
        "\tsensor_owner_id\t\t0x20", "\tsensor_owner_lun\t0",
        "\tchannel_number\t\t0", f"\tsensor_number\t\t{num}",
        f"\tentity_id\t\t{ENT[ent]}", f"\tentity_instance\t\t{inst}",
        f"\tsensor_type\t\t{stype}", f"\tevent_reading_type_code\t0x{er:02x}",
        f"\tid_string\t\t\"{name}\"", "endsdr", ""])


def block(kind, fields):
    L = [f"sdr type {kind}"]
    for k, v in fields:
        L.append(f"\t{k}\t\t{v}")
    return "\n".join(L + ["endsdr", ""])


def mc_locator(addr, name, inst, fru, sel, sdr, chassis, ev_gen):
    return block(0x12, [
        ("device_slave_address", f"0x{addr:02x}"), ("device_channel_number", 0),
        ("chassis", chassis), ("ipmb_event_gen", ev_gen), ("ipmb_event_recv", not ev_gen),
        ("fru_inventory", fru), ("sel", sel), ("sdr", sdr), ("sensor", "true"),
        ("entity_id", ENT["system_management_module"]), ("entity_instance", inst),
        ("id_string", f'"{name}"')])


def fru_locator(access, dev, name, ent, inst, logical=True, bus=0):
    return block(0x11, [
        ("device_access_address", f"0x{access:02x}"), ("fru_device_address", dev),
        ("logical_fru", "true" if logical else "false"), ("lun", 0),
        ("private_bus_id", bus), ("channel_number", 0),
        ("device_type", "0x10" if logical else "0x0a"), ("device_type_modifier", 0),
        ("fru_entity_id", ENT[ent]), ("fru_entity_instance", inst),
        ("id_string", f'"{name}"')])


def lower(v):
    return str(v).lower() if isinstance(v, bool) else v


def main_sdrs():
    out = ["# SDR source for OpenIPMI sdrcomp: main repository of the BMC (0x20).",
           "# GENERATED by gen-bed.py from its tables; edit those, not this file.",
           ""]
    out.append(mc_locator(BMC, "Sim BMC", 1, "true", "true", "true", "true", "false"))
    out.append(mc_locator(SAT, "Sat MC", 2, "true", "false", "false", "false", "true"))
    for s in FULL:
        if s["owner"] == BMC:
            out.append(sdr_full(s))
    for c in COMPACT:
        if c["owner"] == BMC:
            out.append(sdr_compact(c))
    for e in EVENT_ONLY:
        out.append(sdr_event_only(e))
    # Entity associations: a range (two processors) and a list.
    out.append(block(8, [("container_entity_id", ENT["system_board"]),
                         ("container_entity_inst", 1), ("entities_are_range", "true"),
                         ("entity_1_id", ENT["processor"]), ("entity_1_inst", 1),
                         ("entity_2_id", ENT["processor"]), ("entity_2_inst", 2)]))
    out.append(block(8, [("container_entity_id", ENT["system_chassis"]),
                         ("container_entity_inst", 1),
                         ("entity_1_id", ENT["power_supply"]), ("entity_1_inst", 1),
                         ("entity_2_id", ENT["power_supply"]), ("entity_2_inst", 2),
                         ("entity_3_id", ENT["fan_cooling_device"]), ("entity_3_inst", 1),
                         ("entity_4_id", ENT["fan_cooling_device"]), ("entity_4_inst", 2)]))
    # Device-relative entity association (type 09h).
    out.append(block(9, [("container_entity_id", ENT["system_board"]),
                         ("container_entity_inst", 1),
                         ("container_entity_dev_addr", "0x20"),
                         ("container_entity_dev_chan", 0),
                         ("entity_1_dev_addr", "0x30"), ("entity_1_dev_chan", 0),
                         ("entity_1_id", ENT["add-in_card"]), ("entity_1_inst", 1)]))
    # Generic device locators.
    out.append(block(0x10, [("device_access_address", "0x20"),
                            ("device_slave_address", "0x90"), ("channel_number", 0),
                            ("lun", 0), ("private_bus_id", 1), ("address_span", 0),
                            ("device_type", "0x04"), ("device_type_modifier", 0),
                            ("entity_id", ENT["system_board"]), ("entity_instance", 1),
                            ("id_string", '"LM75 Sensor"')]))
    out.append(block(0x10, [("device_access_address", "0x20"),
                            ("device_slave_address", "0xa4"), ("channel_number", 0),
                            ("lun", 0), ("private_bus_id", 2), ("address_span", 1),
                            ("device_type", "0x0c"), ("device_type_modifier", 0),
                            ("entity_id", ENT["system_board"]), ("entity_instance", 1),
                            ("id_string", '"Config EEPROM"')]))
    # FRU device locators.
    out.append(fru_locator(BMC, 1, "PSU1 FRU", "power_supply", 1))
    out.append(fru_locator(BMC, 2, "Corrupt FRU", "add-in_card", 2))
    out.append(fru_locator(BMC, 3, "Bad Area FRU", "add-in_card", 3))
    out.append(fru_locator(SAT, 1, "Sat FRU 1", "add-in_card", 1))
    out.append(fru_locator(BMC, 0xA0, "DIMM SPD", "memory_module", 1, logical=False, bus=2))
    # Sensors owned by the satellite.
    for s in FULL:
        if s["owner"] == SAT:
            out.append(sdr_full(s))
    for c in COMPACT:
        if c["owner"] == SAT:
            out.append(sdr_compact(c))
    return "\n".join(out)


def sat_device_sdrs():
    out = ["# Device SDRs of the satellite controller 0x30 (LUN 0)."]
    for s in FULL:
        if s["owner"] == SAT and s["value"] is not None:
            out.append(sdr_full(s))
    for c in COMPACT:
        if c["owner"] == SAT:
            out.append(sdr_compact(c))
    return "\n".join(out)


# OEM SDRs (type C0h) appended after sdrcomp's records: manufacturer 0x001291.
def oem_sdr(data):
    body = bytes([0x91, 0x12, 0x00]) + bytes(data)
    return bytes([0, 0, 0x51, 0xC0, len(body)]) + body


OEM_SDRS = [
    oem_sdr([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07]),
    # long enough that no implementation reads it in one piece over IPMB-sized
    # messages: 5 + 3 + 150 bytes
    oem_sdr([(i * 7 + 3) & 0xFF for i in range(150)]),
]


def sdrcomp_raw(source, tmp):
    src = os.path.join(tmp, "in.sdrs")
    raw = os.path.join(tmp, "out.bin")
    with open(src, "w") as f:
        f.write(source)
    subprocess.run(["sdrcomp", "-r", "-o", raw, src], check=True)
    with open(raw, "rb") as f:
        data = f.read()
    recs = []
    while data:
        n = 5 + data[4]
        recs.append(data[:n])
        data = data[n:]
    return recs


def persist_data(b):
    return "".join(chr(c) if 0x20 <= c < 0x7F and c != 0x5C else f"\\{c:02x}" for c in b)


def write_persist(path, ints, items):
    """ipmi_sim's reader prepends each line to its list, so the file holds the
    items in reverse order (as ipmi_sim writes them)."""
    lines = [f"{k}:i:{v}" for k, v in ints]
    for key, data in reversed(items):
        lines.append(f"{key}:d:{persist_data(data)}")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


# ------------------------------------------------------------------- SEL
def sel_entries():
    """(record id, 16-byte record) in order. Record IDs 1..N with two gaps."""
    def ts(i):
        return SEL_BASE + i * 3517 + (i * 37) % 600

    def sysev(t, gen, stype, num, dirtype, d1, d2=0xFF, d3=0xFF):
        return struct.pack("<BIHBBBBBBB", 0x02, t, gen, 0x04, stype, num, dirtype,
                           d1, d2, d3)

    # Threshold events: (sensor type, num, offset, reading, threshold, owner)
    thr = [(TEMP, 2, 7, 84, 80, BMC), (TEMP, 3, 9, 93, 90, BMC), (TEMP, 4, 11, 104, 100, BMC),
           (TEMP, 5, 0, 14, 15, BMC), (TEMP, 6, 2, 9, 10, BMC), (TEMP, 7, 4, 3, 5, BMC),
           (VOLT, 17, 7, 177, 175, BMC), (VOLT, 18, 2, 146, 148, BMC), (FAN, 33, 2, 9, 10, BMC),
           (FAN, 34, 4, 4, 5, BMC), (0x0B, 42, 9, 245, 240, BMC), (TEMP, 1, 7, 75, 70, SAT),
           (VOLT, 2, 7, 215, 210, SAT), (TEMP, 9, 0, 0xE7, 0xEC, BMC)]
    # Discrete: (gen, sensor type, num, event/reading type, ed1, ed2, ed3)
    disc = [(0x20, 0x08, 65, 0x6F, 0x01, 0xFF, 0xFF),  # PS failure
            (0x20, 0x08, 64, 0x6F, 0x00, 0xFF, 0xFF),  # PS presence
            (0x20, 0x05, 68, 0x6F, 0x00, 0xFF, 0xFF),  # chassis intrusion
            (0x20, 0x07, 66, 0x6F, 0x00, 0xFF, 0xFF),  # processor IERR
            (0x20, 0x0C, 69, 0x6F, 0xA1, 0x00, 0x02),  # memory uncorrectable ECC
            (0x20, 0x0C, 70, 0x6F, 0x00, 0xFF, 0xFF),  # correctable ECC
            (0x20, 0x23, 0, 0x6F, 0xC1, 0x04, 0xFF),  # watchdog hard reset
            (0x20, 0x12, 81, 0x6F, 0x00, 0xFF, 0xFF),  # system reconfigured
            (0x20, 0x14, 82, 0x6F, 0x00, 0xFF, 0xFF),  # power button
            (0x20, 0x10, 80, 0x6F, 0x02, 0xFF, 0xFF),  # log area cleared
            (0x01, 0x0F, 83, 0x6F, 0xC2, 0x03, 0xFF),  # BIOS progress
            (0x20, 0x22, 74, 0x6F, 0x00, 0xFF, 0xFF),  # ACPI S0
            (0x20, 0x0D, 75, 0x6F, 0x00, 0xFF, 0xFF),  # drive present
            (0x20, 0x09, 73, 0x0B, 0x01, 0xFF, 0xFF),  # redundancy lost
            (0x20, 0x07, 76, 0x03, 0x01, 0xFF, 0xFF),  # digital state asserted
            (0x41, 0x1F, 0x00, 0x6F, 0x01, 0xFF, 0xFF),  # OS boot (no SDR)
            (0x41, 0x20, 0x01, 0x6F, 0x01, 0xFF, 0xFF),  # OS critical stop
            (0x20, 0x01, 0x99, 0x01, 0x57, 0x60, 0x50),  # sensor without SDR
            (0x30, 0x08, 3, 0x6F, 0x01, 0xFF, 0xFF)]  # satellite PS failure
    recs = []
    rid = 0
    for i in range(500):
        rid += 1
        if rid in (0x80, 0x81):  # deleted entries leave gaps
            rid = 0x82
        t = ts(i)
        if i < 3:
            t = 0x10 + i * 5  # pre-init timestamps (seconds since BMC start)
        elif i == 3:
            t = 0xFFFFFFFF  # unspecified
        k = i % 40
        if k < 24:
            stype, num, off, reading, thresh, owner = thr[(i // 2) % len(thr)]
            deassert = 0x80 if (i // 40) % 3 == 2 else 0x00
            body = sysev(t, owner, stype, num, deassert | 0x01, 0x50 | off, reading, thresh)
        elif k < 37:
            gen, stype, num, er, d1, d2, d3 = disc[(i * 7) % len(disc)]
            deassert = 0x80 if i % 11 == 0 else 0x00
            body = sysev(t, gen, stype, num, deassert | er, d1, d2, d3)
        elif k < 39:
            # timestamped OEM (C0h-DFh): timestamp, manufacturer, 6 OEM bytes
            rtype = 0xC0 if k == 37 else 0xDF
            body = struct.pack("<BI", rtype, t) + bytes([0x91, 0x12, 0x00, i & 0xFF, 1, 2, 3, 4, 5])
        else:
            rtype = 0xE0 if (i // 40) % 2 == 0 else 0xFF
            body = bytes([rtype]) + bytes(((i + j) * 13) & 0xFF for j in range(13))
        recs.append((rid, struct.pack("<H", rid) + body))
    return recs


# ------------------------------------------------------------------- FRU
def tl8(s):
    b = s.encode("latin-1")
    return bytes([0xC0 | len(b)]) + b


def tl6(s):
    vals = [ord(c) - 0x20 for c in s]
    assert all(0 <= v < 64 for v in vals), s
    while len(vals) % 4:
        vals.append(0)  # pad with spaces
    out = bytearray()
    for i in range(0, len(vals), 4):
        a, b, c, d = vals[i:i + 4]
        out += bytes([(a | b << 6) & 0xFF, (b >> 2 | c << 4) & 0xFF, (c >> 4 | d << 2) & 0xFF])
    return bytes([0x80 | len(out)]) + bytes(out)


def tlbcd(s):
    table = {**{str(d): d for d in range(10)}, " ": 0xA, "-": 0xB, ".": 0xC}
    vals = [table[c] for c in s]
    if len(vals) % 2:
        vals.append(0xA)
    # first character in the high nibble
    out = bytes(vals[i] << 4 | vals[i + 1] for i in range(0, len(vals), 2))
    return bytes([0x40 | len(out)]) + out


def tlbin(b):
    return bytes([len(b)]) + bytes(b)


def cksum(b):
    return (-sum(b)) & 0xFF


def area(head, fields, bad_checksum=False):
    body = bytearray(head) + b"".join(fields) + b"\xC1"
    # version, length placeholder
    a = bytearray([0x01, 0]) + body
    while (len(a) + 1) % 8:
        a.append(0)
    a.append(0)
    a[1] = len(a) // 8
    a[-1] = cksum(a[:-1])
    if bad_checksum:
        a[-1] ^= 0x5A
    return bytes(a)


def mfg_minutes(y, mo, d, h, mi):
    t0 = datetime(1996, 1, 1, tzinfo=timezone.utc)
    t = datetime(y, mo, d, h, mi, tzinfo=timezone.utc)
    return int((t - t0).total_seconds() // 60)


def mr(rtype, data, last=False):
    data = bytes(data)
    h = bytearray([rtype, 0x02 | (0x80 if last else 0), len(data), cksum(data), 0])
    h[4] = cksum(h[:4])
    return bytes(h) + data


def fru_image(internal=None, chassis=None, board=None, product=None, multi=None,
              bad_header=False):
    parts = [("internal", internal), ("chassis", chassis), ("board", board),
             ("product", product), ("multi", multi)]
    offs = {}
    img = bytearray(8)
    for name, blob in parts:
        if blob is None:
            offs[name] = 0
            continue
        offs[name] = len(img) // 8
        img += blob
        while len(img) % 8:
            img.append(0)
    hdr = bytearray([0x01, offs["internal"], offs["chassis"], offs["board"],
                     offs["product"], offs["multi"], 0x00, 0])
    hdr[7] = cksum(hdr[:7])
    if bad_header:
        hdr[7] ^= 0x33
    img[:8] = hdr
    return bytes(img)


def fru_images():
    mins = mfg_minutes(2023, 6, 15, 12, 34)
    internal = bytes([0x01]) + b"ipmirs bed." + bytes([0xDE, 0xAD, 0xBE, 0xEF])
    chassis = area([0x17], [tl8("CHS-1000-A"), tl6("CS12345678"),
                            tl8("Chassis Extra"), tlbin([0xDE, 0xAD, 0xBE, 0xEF])])
    board = area([0x00, mins & 0xFF, mins >> 8 & 0xFF, mins >> 16 & 0xFF],
                 [tl8("Acme Boards Inc."), tl8("Sim Mainboard X1"), tlbcd("20230615-0042"),
                  tl6("MB-X1-REV-B"), tlbin([0x01, 0x02]), tl8("Board Extra"),
                  tl6("LOT 42")])
    product = area([0x19], [tl8("Acme Systems"), tl8("SimServer 9000"), tl6("SS9000-R"),
                            tlbcd("1.2.3"), tl8("PS0000123456"), tl6("ASSET-0007"),
                            bytes([0xC0]), tl8("Product Extra")])
    psu = struct.pack("<HHBBHHHHBBBBHBHB", 1200, 1300, 40, 10, 9000, 26400, 0, 0, 47, 63,
                      20, 0x0E, (2 << 12) | 1500, 0x12, 1100, 30)
    assert len(psu) == 24, len(psu)
    dc12 = struct.pack("<BhHHHHH", 0x01, 1200, 50, 60, 120, 500, 90000 // 10)
    dc5 = struct.pack("<BhHHHHH", 0x82, 500, 25, 25, 50, 100, 3000)
    load = struct.pack("<BhhhHHH", 0x01, 1200, 1140, 1260, 100, 1000, 80000 // 10)
    url = bytes([0x01]) + b"http://bmc.example/"
    multi = (mr(0x00, psu) + mr(0x01, dc12) + mr(0x01, dc5) + mr(0x02, load)
             + mr(0x03, url) + mr(0xC0, [0x91, 0x12, 0x00, 0xAA, 0xBB, 0xCC], last=True))
    fru0 = fru_image(internal, chassis, board, product, multi)

    mins1 = mfg_minutes(2021, 1, 2, 3, 4)
    psu1 = fru_image(
        board=area([0x00, mins1 & 0xFF, mins1 >> 8 & 0xFF, mins1 >> 16 & 0xFF],
                   [tl6("PSU VENDOR"), tl6("PSU 1200W"), tl6("PSU0001"), tl6("PWR-1200"),
                    bytes([0xC0])]),
        product=area([0x00], [tl6("PSU VENDOR"), tl8("Power Supply 1200W"), tl6("PWR-1200"),
                              tl8("A1"), tl6("PSU0001"), bytes([0xC0]), bytes([0xC0])]),
        multi=mr(0x00, psu, last=True))
    corrupt = fru_image(board=area([0x00, 0, 0, 0], [tl8("Bad Header"), tl8("X"),
                                                     tl8("1"), tl8("2"), bytes([0xC0])]),
                        bad_header=True)
    bad_area = fru_image(board=area([0x00, 1, 0, 0], [tl8("Bad Area Inc."), tl8("Checksum"),
                                                      tl8("SN-BAD"), tl8("PN-BAD"),
                                                      bytes([0xC0])], bad_checksum=True),
                         product=area([0x00], [tl8("Good Product"), tl8("Still Readable"),
                                               tl8("PN-OK"), tl8("v1"), tl8("SN-OK"),
                                               bytes([0xC0]), bytes([0xC0])]))
    sat0 = fru_image(board=area([0x00, mins & 0xFF, mins >> 8 & 0xFF, mins >> 16 & 0xFF],
                                [tl8("Acme Boards Inc."), tl8("Satellite Card"),
                                 tl8("SAT-0001"), tl8("SAT-PN-1"), bytes([0xC0])]))
    sat1 = fru_image(product=area([0x00], [tl8("Acme"), tl8("Sat Daughter"), tl8("SD-1"),
                                           tl8("B"), tl8("SD-0001"), tl8("Tag 1"),
                                           bytes([0xC0])]))
    # (mc, device id, physical size, name, image)
    return [(BMC, 0, 512, "fru0-bmc", fru0), (BMC, 1, 256, "fru1-psu1", psu1),
            (BMC, 2, 64, "fru2-bad-header", corrupt), (BMC, 3, 128, "fru3-bad-area", bad_area),
            (SAT, 0, 128, "fru0-sat", sat0), (SAT, 1, 128, "fru1-sat", sat1)]


# ------------------------------------------------------------------- emu
def hexbytes(b, per_line=16):
    lines = []
    for i in range(0, len(b), per_line):
        lines.append(" ".join(f"0x{x:02x}" for x in b[i:i + per_line]))
    return " \\\n\t".join(lines)


def emu(frus, dev_sdrs):
    L = ["# ipmi_sim command file of the ipmirs sensor/SEL/FRU bed.",
         "# GENERATED by gen-bed.py; edit the tables there, not this file.",
         "# The main SDR repository and the SEL come from the persisted files",
         "# sdr.20.main and sel.20 (installed into the state directory first).",
         "mc_setbmc 0x20",
         "mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr",
         "sel_enable 0x20 1000 0x0a",
         "sensor_add 0x20 0 0 35 0x6f event-only"]

    def sensors(owner):
        for s in FULL:
            if s["owner"] != owner or s["value"] is None:
                continue
            mc, lun, n = f"0x{owner:02x}", s["lun"], s["num"]
            L.append(f"# {s['name']}")
            L.append(f"sensor_add {mc} {lun} {n} {s['stype']} 0x01")
            thr = s["thr"]
            mask = "".join("0" if thr[i] is None else "1" for i in (5, 4, 3, 0, 1, 2))
            # values in the order unr uc unc lnr lc lnc
            vals = " ".join(str(thr[i] or 0) for i in (5, 4, 3, 0, 1, 2))
            if any(v is not None for v in thr):
                L.append(f"sensor_set_threshold {mc} {lun} {n} readable {mask} {vals}")
            L.append(f"sensor_set_value {mc} {lun} {n} {s['value']} 0")
        for c in COMPACT:
            if c["owner"] != owner:
                continue
            mc = f"0x{owner:02x}"
            for k in range(c["share"]):
                n = c["num"] + k
                L.append(f"# {c['name']}{'ABCD'[k] if c['share'] > 1 else ''}")
                L.append(f"sensor_add {mc} 0 {n} {c['stype']} 0x{c['er']:02x}")
                bits = c["bits"] if k == 0 else [6] if c["stype"] == 0x0C and k < 3 else []
                for b in bits:
                    L.append(f"sensor_set_bit {mc} 0 {n} {b} 1 0")

    sensors(BMC)
    L.append("# Satellite controller at 0x30 with device SDRs, sensors and FRUs")
    L.append("mc_add 0x30 2 has-device-sdrs 0x98 0x10 1 0x29 0x1291 0xf03 dynsens")
    for r in dev_sdrs:
        L.append("device_sdr_add 0x30 0 " + hexbytes(r))
    sensors(SAT)
    for mc, dev, size, name, img in frus:
        L.append(f"# FRU {dev} of 0x{mc:02x}: {name}")
        L.append(f"mc_add_fru_data 0x{mc:02x} {dev} {size} data " + hexbytes(img))
    L += ["mc_enable 0x30", "mc_enable 0x20", ""]
    return "\n".join(L)


def main():
    src = main_sdrs()
    with open(os.path.join(HERE, "sensors.sdrs"), "w") as f:
        f.write(src)
    with tempfile.TemporaryDirectory() as tmp:
        recs = sdrcomp_raw(src, tmp) + OEM_SDRS
        dev = sdrcomp_raw(sat_device_sdrs(), tmp)
    items = []
    for i, r in enumerate(recs, 1):
        r = bytearray(r)
        r[0], r[1] = i & 0xFF, i >> 8
        items.append((str(i), bytes(r)))
    for i, r in enumerate(dev, 1):
        dev[i - 1] = bytes([i & 0xFF, i >> 8]) + r[2:]
    write_persist(os.path.join(HERE, "sdr.20.main"), [("last_add_time", SDR_LAST_ADD)], items)
    sel = sel_entries()
    write_persist(os.path.join(HERE, "sel.20"),
                  [("last_add_time", max(struct.unpack("<I", r[3:7])[0] for _, r in sel
                                          if r[2] < 0xE0 and r[3:7] != b"\xff\xff\xff\xff")),
                   ("last_erase_time", SEL_LAST_ERASE), ("time_offset", 0)],
                  [(str(rid), rec) for rid, rec in sel])
    frus = fru_images()
    os.makedirs(os.path.join(HERE, "fru"), exist_ok=True)
    for mc, devid, size, name, img in frus:
        assert len(img) <= size, name
        with open(os.path.join(HERE, "fru", name + ".bin"), "wb") as f:
            f.write(img)
    with open(os.path.join(HERE, "sim.emu"), "w") as f:
        f.write(emu(frus, dev))
    # QEMU's ipmi-bmc-sim: sdrfile= takes the records back to back (it
    # renumbers them from 0); frudatafile= takes FRU device N at N * 1024
    # (fruareasize). Only the BMC's FRUs: QEMU's BMC has no satellite.
    os.makedirs(os.path.join(HERE, "qemu"), exist_ok=True)
    with open(os.path.join(HERE, "qemu", "sdr.bin"), "wb") as f:
        f.write(b"".join(data for _, data in items))
    with open(os.path.join(HERE, "qemu", "fru.bin"), "wb") as f:
        for mc, devid, size, name, img in frus:
            if mc == BMC:
                assert devid * QEMU_FRU_AREA == f.tell(), name
                f.write(img + bytes(QEMU_FRU_AREA - len(img)))
    print(f"gen-bed: {len(recs)} main SDRs, {len(dev)} device SDRs, {len(sel)} SEL entries, "
          f"{len(frus)} FRU images", file=sys.stderr)


if __name__ == "__main__":
    main()
