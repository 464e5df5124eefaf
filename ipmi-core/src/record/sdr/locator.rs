//! Device records: Entity Association (08h), Generic Device Locator (10h),
//! FRU Device Locator (11h) and Management Controller Device Locator (12h)
//! (IPMI 2.0 §43.4, §43.7, §43.8, §43.9).

use super::common::{emit_id_string, id_string, Entity};
use super::id_string::IdString;
use super::parse::{array, byte, Res};
use crate::Target;

/// The tail every locator record ends with: entity, OEM byte, ID string.
fn entity_oem_id(i: &[u8]) -> Res<'_, (Entity, u8, IdString)> {
    let (i, entity) = Entity::parse(i)?;
    let (i, oem) = byte("OEM")(i)?;
    let (i, id) = id_string(i)?;
    Ok((i, (entity, oem, id)))
}

/// Appends a locator's tail.
fn emit_entity_oem_id(entity: &Entity, oem: u8, id: &IdString, out: &mut Vec<u8>) {
    entity.emit(out);
    out.push(oem);
    emit_id_string(id, out);
}

/// An Entity Association Record (type 08h; IPMI 2.0 §43.4, table 43-4).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct EntityAssociation {
    /// The container entity.
    pub container: Entity,
    /// Flags: bit 7 contained entities are a range, bit 6 linked records, bit 5 sensors always present.
    pub flags: u8,
    /// Contained entities (or range pairs when flags bit 7 is set), four slots.
    pub contained: [Entity; 4],
}

impl EntityAssociation {
    /// True when `contained` holds ranges (pairs of first/last entity).
    pub fn is_range(&self) -> bool {
        self.flags & 0x80 != 0
    }
    pub(crate) fn parse(i: &[u8]) -> Res<'_, EntityAssociation> {
        let (i, container) = Entity::parse(i)?;
        let (i, flags) = byte("flags")(i)?;
        let (i, c) = array::<8>("contained entities")(i)?;
        let contained = [0, 1, 2, 3].map(|k| Entity::from_bytes(c[2 * k], c[2 * k + 1]));
        Ok((
            i,
            EntityAssociation {
                container,
                flags,
                contained,
            },
        ))
    }
    pub(crate) fn emit_body(&self, out: &mut Vec<u8>) {
        self.container.emit(out);
        out.push(self.flags);
        for e in &self.contained {
            e.emit(out);
        }
    }
}

/// A Generic Device Locator Record (type 10h; IPMI 2.0 §43.7, table 43-7).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct GenericLocator {
    /// 8-bit address of the controller giving access to the device.
    pub access_address: u8,
    /// 8-bit I2C slave address of the device.
    pub slave_address: u8,
    /// Channel (4 bits: byte 7 bit 0 is the MS bit, byte 8 bits 7:5 the rest).
    pub channel: u8,
    /// Access LUN.
    pub lun: u8,
    /// Private bus ID.
    pub private_bus: u8,
    /// Address span (bits 2:0 of byte 9).
    pub address_span: u8,
    /// Device type (table 43-12).
    pub device_type: u8,
    /// Device type modifier.
    pub device_type_modifier: u8,
    /// The entity.
    pub entity: Entity,
    /// OEM byte.
    pub oem: u8,
    /// Device ID string.
    pub id: IdString,
}

impl GenericLocator {
    pub(crate) fn parse(i: &[u8]) -> Res<'_, GenericLocator> {
        let (i, b) = array::<4>("device address")(i)?;
        let (i, _reserved) = byte("reserved byte 10")(i)?;
        let (i, t) = array::<2>("device type")(i)?;
        let (i, (entity, oem, id)) = entity_oem_id(i)?;
        Ok((
            i,
            GenericLocator {
                access_address: b[0] & 0xfe,
                slave_address: b[1] & 0xfe,
                channel: (b[1] & 1) << 3 | b[2] >> 5,
                lun: (b[2] >> 3) & 3,
                private_bus: b[2] & 7,
                address_span: b[3] & 7,
                device_type: t[0],
                device_type_modifier: t[1],
                entity,
                oem,
                id,
            },
        ))
    }
    pub(crate) fn emit_body(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[
            self.access_address & 0xfe,
            self.slave_address & 0xfe | (self.channel >> 3) & 1,
            (self.channel & 7) << 5 | (self.lun & 3) << 3 | (self.private_bus & 7),
            self.address_span & 7,
            0,
            self.device_type,
            self.device_type_modifier,
        ]);
        emit_entity_oem_id(&self.entity, self.oem, &self.id, out);
    }
}

/// A FRU Device Locator Record (type 11h; IPMI 2.0 §43.8, table 43-8).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct FruLocator {
    /// 8-bit address of the controller giving access to the FRU.
    pub access_address: u8,
    /// FRU device ID (logical) or 8-bit slave address (non-logical).
    pub fru_device_id: u8,
    /// Logical FRU device (accessed with Read FRU Data) when true.
    pub logical: bool,
    /// Access LUN.
    pub lun: u8,
    /// Private bus ID.
    pub private_bus: u8,
    /// Channel number.
    pub channel: u8,
    /// Device type (table 43-12).
    pub device_type: u8,
    /// Device type modifier.
    pub device_type_modifier: u8,
    /// The FRU's entity.
    pub entity: Entity,
    /// OEM byte.
    pub oem: u8,
    /// Device ID string.
    pub id: IdString,
}

impl FruLocator {
    pub(crate) fn parse(i: &[u8]) -> Res<'_, FruLocator> {
        let (i, b) = array::<5>("FRU device address")(i)?;
        let (i, t) = array::<2>("device type")(i)?;
        let (i, (entity, oem, id)) = entity_oem_id(i)?;
        Ok((
            i,
            FruLocator {
                access_address: b[0] & 0xfe,
                fru_device_id: b[1],
                logical: b[2] & 0x80 != 0,
                lun: (b[2] >> 3) & 3,
                private_bus: b[2] & 7,
                channel: b[3] >> 4,
                device_type: t[0],
                device_type_modifier: t[1],
                entity,
                oem,
                id,
            },
        ))
    }
    pub(crate) fn emit_body(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[
            self.access_address & 0xfe,
            self.fru_device_id,
            u8::from(self.logical) << 7 | (self.lun & 3) << 3 | (self.private_bus & 7),
            (self.channel & 0xf) << 4,
            0,
            self.device_type,
            self.device_type_modifier,
        ]);
        emit_entity_oem_id(&self.entity, self.oem, &self.id, out);
    }
}

/// A Management Controller Device Locator Record (type 12h; IPMI 2.0 §43.9, table 43-9).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct McLocator {
    /// 8-bit IPMB slave address of the controller.
    pub slave_address: u8,
    /// Channel number.
    pub channel: u8,
    /// Power state notification and global initialization byte.
    pub power_state: u8,
    /// Device capabilities: bit 0 sensor device, 1 SDR repository, 2 SEL,
    /// 3 FRU inventory, 4 event receiver, 5 event generator, 6 bridge, 7 chassis.
    pub capabilities: u8,
    /// The controller's entity.
    pub entity: Entity,
    /// OEM byte.
    pub oem: u8,
    /// Device ID string.
    pub id: IdString,
}

impl McLocator {
    /// How commands reach this controller (bridged unless it is the BMC).
    pub fn target(&self) -> Target {
        Target::ipmb(self.channel, self.slave_address)
    }
    /// True when the controller is a sensor device (capabilities bit 0),
    /// whose sensors ipmitool reads through its device SDRs.
    pub fn is_sensor_device(&self) -> bool {
        self.capabilities & 0x01 != 0
    }
    /// True when the controller holds an SDR repository (capabilities bit 1).
    pub fn has_sdr_repository(&self) -> bool {
        self.capabilities & 0x02 != 0
    }
    pub(crate) fn parse(i: &[u8]) -> Res<'_, McLocator> {
        let (i, b) = array::<4>("controller address")(i)?;
        let (i, _reserved) = array::<3>("reserved bytes 10-12")(i)?;
        let (i, (entity, oem, id)) = entity_oem_id(i)?;
        Ok((
            i,
            McLocator {
                slave_address: b[0] & 0xfe,
                channel: b[1] & 0xf,
                power_state: b[2],
                capabilities: b[3],
                entity,
                oem,
                id,
            },
        ))
    }
    pub(crate) fn emit_body(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[
            self.slave_address & 0xfe,
            self.channel & 0xf,
            self.power_state,
            self.capabilities,
            0,
            0,
            0,
        ]);
        emit_entity_oem_id(&self.entity, self.oem, &self.id, out);
    }
}
