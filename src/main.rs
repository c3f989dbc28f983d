fn main() {
    println!("crucible");
}
