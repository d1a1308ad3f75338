/// A value kept behind one shared reference: copies of its owner share it, and a copy that changes
/// it gets its own first.
///
/// For definitions the machine reads on every decision (``Stage``, ``Transition``): handing out a
/// copy then costs one reference count instead of one per part.
struct CopyOnWrite<Value>: @unchecked Sendable {  // the box is changed only while uniquely referenced
    private final class Box {
        var value: Value
        init(_ value: Value) { self.value = value }
    }

    private var box: Box

    init(_ value: Value) { box = Box(value) }

    var value: Value {
        get { box.value }
        _modify {
            if !isKnownUniquelyReferenced(&box) { box = Box(box.value) }
            yield &box.value
        }
    }
}
