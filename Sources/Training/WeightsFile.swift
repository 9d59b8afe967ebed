import DSL
import Foundation

/// The weights in the compiled library's own layout, for programs that drive the library
/// without Swift (examples/score_png.c): every parameter and buffer tensor of the library's
/// tensor table (`rdc_tensor_info_at`), in table order.
///
///     "RDCWTS2\n"                        8 bytes
///     uint32 tensor count
///     per tensor:  uint32 name length, the name (UTF-8, no NUL),
///                  uint64 element count, the elements as float32
///     uint32 CRC-32 of every byte before it
///
/// All integers and floats little-endian. Names and counts let the reader check that the
/// file belongs to its library, the checksum that it arrived whole. (Version 1, "RDCWTS1\n",
/// had no checksum.)
public enum WeightsFile {
    public static let magic = Data("RDCWTS2\n".utf8)

    public static func data(of model: GeneratedModel) throws -> Data {
        let tensors = model.library.tensors.filter { ModelState.weightKinds.contains($0.kind) }
        var data = magic
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        append(UInt32(tensors.count))
        for info in tensors {
            let name = Data(info.name.utf8)
            append(UInt32(name.count))
            data.append(name)
            append(UInt64(info.count))
            try model.library.tensor(named: info.name).values.map(\.bitPattern.littleEndian)
                .withUnsafeBytes { data.append(contentsOf: $0) }
        }
        append(data.withUnsafeBytes(CRC32.checksum))
        return data
    }
}
