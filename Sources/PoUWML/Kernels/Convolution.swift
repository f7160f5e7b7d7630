/// 3×3 convolution (stride 1, zero padding 1, "same" size) by im2col and `GEMM`, on NHWC tensors.
///
/// Layout: an input batch is `[B, H, W, C]` row-major; the column matrix has one row per output position
/// `(b, y, x)` in that order and `9·C` columns ordered `(ty, tx, c)`; the kernel is `[9·C, Cout]` with the same
/// row order, so `out[B·H·W, Cout] = cols · kernel + bias`. Guarantees: pure, fixed order; `col2im` adds
/// contributions position by position, tap by tap, channel by channel (a fixed sequential order per sample).
public enum Convolution {
    /// Fills `cols` (`B·H·W × 9·C`) from `input` (`B × H × W × C`).
    public static func im2col(
        _ input: UnsafePointer<Float>,
        batch: Int,
        height: Int,
        width: Int,
        channels: Int,
        into cols: UnsafeMutablePointer<Float>
    ) {
        let rowLength = 9 * channels
        for b in 0..<batch {
            let image = input + b * height * width * channels
            for y in 0..<height {
                for x in 0..<width {
                    let row = cols + ((b * height + y) * width + x) * rowLength
                    for ty in 0..<3 {
                        for tx in 0..<3 {
                            let dst = row + (ty * 3 + tx) * channels
                            let sy = y + ty - 1
                            let sx = x + tx - 1
                            if sy < 0 || sy >= height || sx < 0 || sx >= width {
                                for c in 0..<channels { dst[c] = 0 }
                            } else {
                                let src = image + (sy * width + sx) * channels
                                for c in 0..<channels { dst[c] = src[c] }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The adjoint of `im2col`: `dInput = Σ` of the column gradients each input element fed, in the fixed order
    /// (position, tap, channel) per sample. `dInput` is overwritten.
    public static func col2im(
        _ dcols: UnsafePointer<Float>,
        batch: Int,
        height: Int,
        width: Int,
        channels: Int,
        into dInput: UnsafeMutablePointer<Float>
    ) {
        let rowLength = 9 * channels
        let count = batch * height * width * channels
        for i in 0..<count { dInput[i] = 0 }
        for b in 0..<batch {
            let image = dInput + b * height * width * channels
            for y in 0..<height {
                for x in 0..<width {
                    let row = dcols + ((b * height + y) * width + x) * rowLength
                    for ty in 0..<3 {
                        let sy = y + ty - 1
                        if sy < 0 || sy >= height { continue }
                        for tx in 0..<3 {
                            let sx = x + tx - 1
                            if sx < 0 || sx >= width { continue }
                            let src = row + (ty * 3 + tx) * channels
                            let dst = image + (sy * width + sx) * channels
                            for c in 0..<channels { dst[c] = dst[c] + src[c] }
                        }
                    }
                }
            }
        }
    }
}

/// 2×2 max-pooling with stride 2 on NHWC tensors; odd trailing rows/columns are dropped (`H/2`, `W/2` rounded
/// down). Guarantees: the window is scanned (0,0), (0,1), (1,0), (1,1) and a later element wins only if strictly
/// greater, so ties (and the gradient route) go to the first; NaN never wins over an earlier value.
public enum MaxPool {
    /// Forward: writes `output` (`B × H/2 × W/2 × C`) and the flat input index of each maximum into `argmax`.
    public static func forward(
        _ input: UnsafePointer<Float>,
        batch: Int,
        height: Int,
        width: Int,
        channels: Int,
        output: UnsafeMutablePointer<Float>,
        argmax: UnsafeMutablePointer<Int32>
    ) {
        let oh = height / 2
        let ow = width / 2
        for b in 0..<batch {
            for y in 0..<oh {
                for x in 0..<ow {
                    for c in 0..<channels {
                        let i00 = ((b * height + 2 * y) * width + 2 * x) * channels + c
                        let rowStep = width * channels
                        var best = i00
                        var value = input[i00]
                        for idx in [i00 + channels, i00 + rowStep, i00 + rowStep + channels] where input[idx] > value {
                            value = input[idx]
                            best = idx
                        }
                        let o = ((b * oh + y) * ow + x) * channels + c
                        output[o] = value
                        argmax[o] = Int32(best)
                    }
                }
            }
        }
    }

    /// Backward: `dInput` (overwritten) receives each output gradient at its recorded maximum.
    public static func backward(
        _ dOutput: UnsafePointer<Float>,
        outputCount: Int,
        inputCount: Int,
        argmax: UnsafePointer<Int32>,
        into dInput: UnsafeMutablePointer<Float>
    ) {
        for i in 0..<inputCount { dInput[i] = 0 }
        for o in 0..<outputCount {
            let idx = Int(argmax[o])
            dInput[idx] = dInput[idx] + dOutput[o]
        }
    }
}
